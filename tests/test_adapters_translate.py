"""Adapters translate, nothing else: no module under `adapters/` imports SQLAlchemy, the
database or the models, opens a session, or calls into a feature's store; each sees the
core only through `bot.framework.ports.CorePort` (never `bot.app`). The one exception is
the Slack OAuth installation store (`adapters/slack/oauth.py`): slack-sdk keeps
installations through an SQLAlchemy engine of its own."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.app.core import Core
from bot.framework.ports import CorePort

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "adapters"
OAUTH = ADAPTERS / "slack" / "oauth.py"
DATABASE = ("sqlalchemy", "bot.infra.db", "bot.infra.models", "bot.infra.events")
SESSION_CALLS = {"session", "sessions", "Session", "sessionmaker", "begin_nested"}


def _opens_or_uses_a_session(node: ast.AST) -> bool:
    """`db.session()`, `Session(...)`, `sessionmaker(...)`, or anything done with a name
    that says it is one (`session.execute(...)`)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in SESSION_CALLS
    if not isinstance(func, ast.Attribute):
        return False
    receiver = func.value
    named = receiver.id if isinstance(receiver, ast.Name) else (
        receiver.attr if isinstance(receiver, ast.Attribute) else "")
    return func.attr in SESSION_CALLS or "session" in named.lower()


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(ADAPTERS.rglob("*.py"))}


def _imported(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_no_database_under_adapters() -> None:
    offenders = [f"{_where(path, line)} imports {module}"
                 for path, tree in _modules().items() if path != OAUTH
                 for line, module in _imported(tree)
                 if any(_under(module, banned) for banned in DATABASE)]
    offenders += [f"{_where(path, node.lineno)} opens or uses a session"
                  for path, tree in _modules().items() if path != OAUTH
                  for node in ast.walk(tree) if _opens_or_uses_a_session(node)]
    offenders += [f"{_where(path, node.lineno)} reaches .db"
                  for path, tree in _modules().items() if path != OAUTH
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr == "db"]
    assert offenders == []


def test_adapters_see_the_core_only_through_its_port() -> None:
    offenders = [f"{_where(path, line)} imports {module}"
                 for path, tree in _modules().items()
                 for line, module in _imported(tree)
                 if _under(module, "bot.app") or _under(module, "jobs")
                 or module.endswith(".store") or _under(module, "bot.people.identities")]
    assert offenders == []


def test_the_oauth_store_is_the_one_exception_and_still_needs_it() -> None:
    """The exception is no dead letter: the installation store does use the database."""
    imported = [module for _line, module in _imported(ast.parse(OAUTH.read_text()))]
    assert any(_under(module, "sqlalchemy") for module in imported)


def test_the_core_offers_everything_its_port_names() -> None:
    wanted = {name for name in dir(CorePort) if not name.startswith("_")}
    assert wanted and sorted(name for name in wanted if not hasattr(Core, name)
                             and name not in Core.__dataclass_fields__) == []
