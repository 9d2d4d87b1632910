"""Pure domain rules: functions of plain values, no database, clock or network."""
