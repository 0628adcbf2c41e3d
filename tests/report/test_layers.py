"""Layers (DESIGN.md): report modules render stored results and never import the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import qbdkit

SRC = Path(qbdkit.__file__).parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_report_and_services_do_not_import_the_cli():
    bad = {}
    for folder in ("report", "services"):
        for path in (SRC / folder).glob("*.py"):
            found = sorted(m for m in _imports(path) if m == "qbdkit.cli"
                           or m.startswith("qbdkit.cli."))
            if found:
                bad[f"{folder}/{path.name}"] = found
    assert bad == {}
