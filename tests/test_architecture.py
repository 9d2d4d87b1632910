"""The architecture stays as the README draws it: `bot/` imports no chat platform and,
outside its assembly (`bot/app`), neither `adapters` nor `jobs`; the import graph of `bot/`
has no cycle, counting imports inside functions too; and any import inside a function says
why in a comment on its line."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "discord"}
ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
ASSEMBLY = "bot.app"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {_module_name(p): p for p in BOT.rglob("*.py") if p.name != "__main__.py"}


@functools.cache
def _imports(path: Path) -> tuple[tuple[ast.stmt, str, bool], ...]:
    """(statement, imported module, inside a function) for every import in the file,
    resolving `from package import module` to the module. Parsed once per file: every test
    here reads every file."""
    return tuple(_each_import(path))


def _each_import(path: Path) -> Iterator[tuple[ast.stmt, str, bool]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    local.add(id(inner))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, id(node) in local
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield node, candidate if candidate in MODULES else node.module, id(node) in local


def _graph() -> dict[str, set[str]]:
    return {name: {target for _, target, _ in _imports(path) if target in MODULES}
            for name, path in MODULES.items()}


def test_no_platform_library_in_the_core() -> None:
    offenders = {
        name: sorted({t.split(".")[0] for _, t, _ in _imports(path)} & PLATFORM_LIBRARIES)
        for name, path in MODULES.items()
        if {t.split(".")[0] for _, t, _ in _imports(path)} & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_only_the_assembly_imports_adapters_or_jobs() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, path in MODULES.items() if not name.startswith(ASSEMBLY)
        for _, target, _ in _imports(path) if target.split(".")[0] in ("adapters", "jobs")
    )
    assert offenders == []


def test_importing_the_core_loads_no_platform_library() -> None:
    modules = sorted(name for name in MODULES if not name.startswith(ASSEMBLY))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(PLATFORM_LIBRARIES)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycles(_graph()) == []


def test_imports_inside_functions_say_why() -> None:
    unexplained = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, target, inside in _imports(path):
            if inside and "#" not in lines[node.lineno - 1]:
                unexplained.append(f"{name}:{node.lineno} imports {target}")
    assert sorted(set(unexplained)) == []
