"""Infrastructure: database engine and sessions, the models, settings, the injected clock, time zones and date reading."""
