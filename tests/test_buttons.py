"""Every button names a command that exists, with options it has: buttons are built only
from command specs (`CommandSpec.action` refuses an unknown option or a missing required
one at build time), and every spec a feature declares is in the program's registry."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from bot.app.commands import build_registry
from bot.framework.registry import CommandSpec, Option, OptionType, command

ROOT = Path(__file__).resolve().parent.parent


def _declared_specs() -> list[tuple[str, CommandSpec]]:
    found = []
    for path in sorted((ROOT / "bot").rglob("specs.py")) + [ROOT / "bot/framework/help.py"]:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name)
        found += [(f"{name}.{attr}", value) for attr, value in vars(module).items()
                  if isinstance(value, CommandSpec)]
    return found


def test_every_declared_spec_is_registered() -> None:
    registry = build_registry()
    missing = [name for name, spec in _declared_specs() if spec not in registry]
    assert missing == []
    assert len(_declared_specs()) == len(registry.specs(include_hidden=True))


def test_no_button_is_built_by_hand() -> None:
    """`Action(...)` appears only where specs build it; anywhere else a button could name a
    command or an option that does not exist."""
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Action":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    allowed = {"bot/framework/registry.py", "bot/framework/replies.py"}
    assert [o for o in offenders if o.split(":")[0] not in allowed] == []


def test_a_button_for_a_missing_option_fails_when_built() -> None:
    spec = command("mentor", "frob", summary="s",
                   options=[Option("id", OptionType.INT, required=True, positional=True)])
    assert spec.action("Go", {"id": 3}).args == {"id": "3"}
    with pytest.raises(ValueError, match="no option limt"):
        spec.action("Go", {"id": 3, "limt": 2})
    with pytest.raises(ValueError, match="must set id"):
        spec.action("Go", {})
