"""Start-up stays light (issue 18): ``qbdkit --help`` and ``qbdkit risk ap`` must not import
the heavy libraries. A structural test (which modules are loaded), not a timing test: the
timing is measured by ``benchmarks/startup.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "risk"

HEAVY = ("pandas", "scipy", "statsmodels", "sqlalchemy", "matplotlib")

PROBE = """
import json, sys
from qbdkit.cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def _loaded(*args: str) -> tuple[int, set[str], str]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                       timeout=120, env={"PATH": "/usr/bin:/bin", "QBDKIT_LANG": "en"})
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    report = json.loads(last)
    return report["code"], set(report["modules"]), r.stdout


@pytest.mark.parametrize("args", [
    ("--help",),
    ("risk", "ap", "--severity", "9", "--occurrence", "4", "--detection", "5"),
    ("risk", "ap", "--severity", "9", "--occurrence", "4", "--detection", "5", "--json"),
])
def test_light_commands_import_no_heavy_library(args):
    code, modules, out = _loaded(*args)
    assert code == 0
    heavy = sorted(set(HEAVY) & modules)
    assert heavy == [], f"qbdkit {' '.join(args)} imported {heavy}"
    if "ap" in args:
        # AIAG-VDA FMEA Handbook (2019) AP table: S 9–10, O 4–5, D 5–6 → H
        assert ("\"ap\": \"H\"" in out) or out.splitlines()[0].strip().endswith("H")


def test_the_probe_sees_heavy_imports():
    """The probe can fail: scoring a worksheet reads it with pandas."""
    assert "pandas" not in _loaded("risk", "fmea", "--help")[1]
    code, modules, _ = _loaded("risk", "fmea", str(DATA / "fmea_zh_gb18030.csv"))
    assert code == 0
    assert "pandas" in modules
