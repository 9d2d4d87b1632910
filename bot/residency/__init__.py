"""The residency plan (`/residency`): a group's program list, a student's residency profile,
and the plan built from them and the cycle's published figures (how many programs, which,
signals, letters per program, fee and dates), which the student owns, exports and can share
with a mentor.

- `bot.vocab.residency`: the closed words (states and regions, program types, visas,
  applicant types, signal tiers, outcomes, cycle events).
- `bot.vocab.cycles`: the published figures, one data file per cycle under `cycle_data/`,
  each with its source, loaded and checked at import; beneath every feature, since the
  letters read them too.
- `rules`: pure rules (tiers, eligibility, fees, dates, nudge timing) and their constants.
- `plan`: the plan itself, a pure function of plain values.
- `importing`: the program CSV, checked all-or-nothing.
- `store`: the only writer of the residency tables.
- `planning`: the `residency-date` nudges.
- `messages`, `export`: wording, CSV and JSON, built from the rules' constants.
- `specs`, `commands`: the commands."""
