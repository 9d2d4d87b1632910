"""Shared test helpers: database servers and fixtures, factories, the command driver, and the
stand-ins for the Slack Web API and the Discord gateway. Every test uses these."""
