"""Recommendation letters: timeline and lifecycle rules, storage, nudges, calendar and commands."""
