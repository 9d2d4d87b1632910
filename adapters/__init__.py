"""Platform adapters: they translate platform events into core requests and core replies into
each platform's messages. Nothing else."""
