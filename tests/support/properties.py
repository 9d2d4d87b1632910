"""How many examples a property test tries.

Two Hypothesis profiles (registered in tests/conftest.py): `quick`, the default run, tries a
third of what `thorough` tries; `pytest --hypothesis-profile=thorough` tries them all
(Hypothesis's own 100 for a property that names no count). A decorator names its thorough
count through `examples()`: `@settings(max_examples=examples(300))` tries 100 in a quick
run, 300 in a thorough one. Neither profile has a deadline: on a shared machine running
tests in parallel, time per example says more about the neighbours than about the code."""

from __future__ import annotations

from hypothesis import settings

THOROUGH = 100
QUICK = 34


def register_profiles() -> None:
    settings.register_profile("thorough", max_examples=THOROUGH, deadline=None)
    settings.register_profile("quick", max_examples=QUICK, deadline=None)
    settings.load_profile("quick")


def examples(thorough: int) -> int:
    """The examples to try for a property worth `thorough` of them in a thorough run."""
    return max(10, round(thorough * settings.default.max_examples / THOROUGH))
