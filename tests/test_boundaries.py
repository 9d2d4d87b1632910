"""The core stays platform-free: nothing in bot/ imports a chat platform library, and
importing every core module loads none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "discord"}
ROOT = Path(__file__).resolve().parent.parent


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_platform_imports_in_core_source() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & PLATFORM_LIBRARIES)
        for path in (ROOT / "bot").rglob("*.py")
        if _imported_roots(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_importing_the_core_loads_no_platform_library() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(PLATFORM_LIBRARIES)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
