"""What the bot stores about a person, who sees it, and the person's say over it: a plain
account of it, a JSON export, deletion, and joining one person's Slack and Discord accounts."""
