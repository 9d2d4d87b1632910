"""The Slack adapter: a slack-bolt app that translates slash commands, buttons, events and
App Home into core requests, and core replies into Block Kit. No domain rules live here."""
