"""The Discord adapter: app commands generated from the core's registry, embeds and
persistent buttons, direct messages and group channel posts."""
