"""Errors that reach the user as a clear message. Raising one rolls the unit of work back,
so a refused command changes nothing.

At the package's root, beneath every layer and importing nothing: the vocabularies (an
unknown stage), the date reader and every feature raise them, and the layers contract in
pyproject.toml lets each of them do so without reaching up into the framework."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; the message is shown to them as-is."""

    def __init__(self, message: str, *, title: str = "That didn't work") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class NotAllowed(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="Not allowed")


class NotFound(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="Not found")
