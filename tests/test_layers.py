"""The layers of DESIGN.md: core, model, store, io, services and report never import an
interface (cli, web) or the demo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "qbdkit"
LOWER = ["core", "model", "store", "io", "services", "report"]
UPPER = re.compile(r"^\s*(from|import)\s+qbdkit\.(cli|web|demo)\b", re.MULTILINE)


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_never_import_an_interface(layer):
    bad = [f"{p.relative_to(SRC)}: {m.group(0).strip()}"
           for p in sorted((SRC / layer).rglob("*.py"))
           for m in UPPER.finditer(p.read_text(encoding="utf-8"))]
    assert not bad, bad
