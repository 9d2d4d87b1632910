"""People and their profiles: resolving a reference to a person, roster import, profile commands."""
