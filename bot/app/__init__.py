"""The program's assembly: the command registry, the core's front door, the CLI verbs, the runner and the demo data. The only part of `bot` that may import `adapters` or `jobs`."""
