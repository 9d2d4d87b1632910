"""Scheduled work: the scheduler, the delivery sweep, the nudge planner and digests. Jobs are
clients of the core: they ask it what is due and hand messages to delivery channels."""
