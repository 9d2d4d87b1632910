"""The nudge outbox: the only code that writes the `nudges` table, its kinds and states, dedup keys, planning and delivery policy."""
