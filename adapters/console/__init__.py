"""The console adapter: one command per line, replies as plain text."""

from adapters.console.shell import ConsoleChannel, Shell

__all__ = ["ConsoleChannel", "Shell"]
