"""The architecture stays as the README draws it: the layers and contracts declared for
import-linter in pyproject.toml (`bot/` imports no chat platform and, outside its assembly
`bot/app`, neither `adapters` nor `jobs`; each feature imports only the layers beneath it);
no module import cycle, counting imports inside functions too; and any import inside a
function says why in a comment on its line."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp

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


def test_the_import_contracts_hold() -> None:
    """The layers, the core without platforms, only the assembly importing adapters or
    jobs, the adapters independent of each other: import-linter's contracts in
    pyproject.toml, over every import, inside functions too."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


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


def test_no_module_import_cycle() -> None:
    """Layers order packages; within a layer (matching beside mentoring, a feature's own
    modules) no two modules may import each other, even through others: for every import
    a -> b, no chain leads from b back to a (grimp's graph, which import-linter reads)."""
    graph = grimp.build_graph("bot")
    cycles = sorted(
        f"{importer} -> {imported} -> … -> {importer}"
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.find_shortest_chain(importer=imported, imported=importer) is not None
    )
    assert cycles == []


def test_imports_inside_functions_say_why() -> None:
    unexplained = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, target, inside in _imports(path):
            if inside and "#" not in lines[node.lineno - 1]:
                unexplained.append(f"{name}:{node.lineno} imports {target}")
    assert sorted(set(unexplained)) == []
