"""A person's dashboard across features (Slack's App Home)."""
