"""The shape of a good update to a mentor (SPEC: four parts), in our own words. Every
follow-up nudge carries it, so writing to a mentor starts from a plan, not a blank page."""

from __future__ import annotations

UPDATE_OUTLINE: tuple[tuple[str, str], ...] = (
    ("Say hello and set the scene",
     "One or two lines: who you are to them and where you left off last time."),
    ("Share what has moved",
     "Two or three concrete updates since you last wrote — results, exams, rotations, "
     "things you tried because of their advice."),
    ("Ask for their view",
     "One or two questions or decisions where their experience would help you."),
    ("Thank them and say what comes next",
     "A genuine thank-you, your next steps, and when you will be back in touch."),
)


def outline_text() -> str:
    """The outline as numbered plain-text lines."""
    return "\n".join(f"{n}. {head}: {hint}" for n, (head, hint) in enumerate(UPDATE_OUTLINE, 1))
