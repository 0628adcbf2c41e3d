"""The fixed fuzz corpus through every reading command: exit 2, one line per problem, no
traceback, bounded time and memory, the store unchanged (issue 11, item 5).

The corpus (``tests/data/fuzz``, written by ``make_corpus.py``) runs in two subprocesses
(``runner.py``), one per xdist worker: a hang is cut off by the runner's alarm and the
subprocess timeout, a memory blow-up by the runner's address-space limit, so a defect
fails the test instead of the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CORPUS = HERE.parent / "data" / "fuzz"

#: per command (the issue: "bounded time"; typical is 0.01–0.3 s, the YAML budget ~1 s)
MAX_SECONDS = 10.0
#: growth of the runner's peak resident memory over its baseline (qbdkit imported, store
#: open); the issue: "no malformed input takes more than a few hundred MB"
MAX_GROWTH_MB = 300.0
GROUPS = {
    "tables": ["table", "fmea", "ce", "cqa", "classify", "study", "factors", "scale", "runtime"],
    "folders-and-analyses": ["yaml", "project", "doe", "sdm", "batch"],
}


def _run(families: list[str]) -> tuple[list[dict], dict]:
    proc = subprocess.run([sys.executable, str(HERE / "runner.py"), *families],
                          capture_output=True, text=True, timeout=900, cwd=HERE.parents[1])
    assert proc.returncode == 0, f"runner failed:\n{proc.stderr[-3000:]}"
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines and "baseline_mb" in lines[-1], "runner did not finish"
    return lines[:-1], lines[-1]


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_malformed_input_is_an_input_error(group):
    families = GROUPS[group]
    rows, end = _run(families)
    manifest = json.loads((CORPUS / "manifest.json").read_text("utf-8"))["cases"]
    expected_files = {c["file"] for c in manifest if c["family"] in families}
    ran = {r["case"].split(" as ")[0] for r in rows}
    assert expected_files <= ran, f"cases never run: {sorted(expected_files - ran)[:5]}"
    failures = []
    for r in rows:
        what = f"{r['case']}: qbdkit {' '.join(r['args'])}"
        errors = [line for line in r["err"].splitlines() if line.startswith("error: ")]
        if r["code"] != 2:
            failures.append(f"{what}: exit {r['code']}: {r['err'][:300]}")
        elif r["traceback"]:
            failures.append(f"{what}: traceback printed")
        elif not errors:
            failures.append(f"{what}: no 'error: ' line on stderr: {r['err'][:200]}")
        if r["seconds"] > MAX_SECONDS:
            failures.append(f"{what}: {r['seconds']} s")
        if r["maxrss_mb"] - end["baseline_mb"] > MAX_GROWTH_MB:
            failures.append(f"{what}: peak memory {r['maxrss_mb']} MB "
                            f"(baseline {end['baseline_mb']} MB)")
        if r["store_changed"]:
            failures.append(f"{what}: the store changed")
    assert not end["store_changed"], "the store changed during the run"
    assert not failures, f"{len(failures)} of {len(rows)} runs failed:\n" + "\n".join(failures[:40])


def test_corpus_size():
    """The corpus the closing note reports: malformed files and the commands they go through."""
    manifest = json.loads((CORPUS / "manifest.json").read_text("utf-8"))["cases"]
    assert len(manifest) >= 500
    kinds = {Path(c["file"]).suffix for c in manifest}
    assert {".csv", ".xlsx", ".yaml"} <= kinds


def test_committed_corpus_is_what_the_script_writes(tmp_path):
    # as a developer regenerates it: the script in a fresh interpreter (in a test worker,
    # state left by earlier tests once changed how a workbook cell came out)
    run = subprocess.run([sys.executable, str(HERE / "make_corpus.py"), str(tmp_path / "fuzz")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    written = sorted(p.relative_to(tmp_path / "fuzz") for p in (tmp_path / "fuzz").rglob("*")
                     if p.is_file())
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert written == committed

    def content(path: Path) -> object:
        # a workbook's bytes depend on the openpyxl release that wrote it: compare its parts
        if path.suffix == ".xlsx" and zipfile.is_zipfile(path):
            return sorted(zipfile.ZipFile(path).namelist())
        return path.read_bytes()

    changed = [str(p) for p in written if content(tmp_path / "fuzz" / p) != content(CORPUS / p)]
    assert not changed, f"regenerate with python tests/fuzz/make_corpus.py: {changed[:5]}"
