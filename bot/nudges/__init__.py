"""The nudge outbox: the only code that writes the `nudges` table (and the weekly digest's
claim, held with the same lease), its kinds and states, dedup keys, planning and delivery
policy."""
