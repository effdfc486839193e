"""Import directions: flows is pure, storage knows no Telegram, nothing imports bot."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "flows": {"flows", "transitions"},
    "storage": {"storage", "flows", "redis", "cryptography"},
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    wrong = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        bad = {
            name
            for name in imports(path)
            if name not in sys.stdlib_module_names and name not in ALLOWED[layer]
        }
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"forbidden imports: {wrong}"


def test_the_guard_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import aiogram\nfrom bot.core.render import Renderer\nimport json\n")
    assert {n for n in imports(sample) if n not in sys.stdlib_module_names} == {"aiogram", "bot"}
