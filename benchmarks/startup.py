"""Start-up time of light commands (issue 18, item 5). Run: ``python benchmarks/startup.py``.

Each command is run as a fresh process (``.venv/bin/qbdkit …``, output discarded) at least
10 times, the commands alternated, and the minimum and median wall times are printed
against the target (≤ 0.3 s). There is no peer; the reference line is a bare
``python -c pass`` and ``python -c "import typer"`` (the floor any Typer CLI pays).
Which modules each command imports is checked structurally by
``tests/cli/test_startup.py`` (no pandas, scipy, statsmodels, SQLAlchemy, matplotlib).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import alternate, machine_note, row

TARGET = 0.3


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode()[-300:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    qbdkit = str(bindir / "qbdkit")
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "qbdkit --help": [qbdkit, "--help"],
        "qbdkit risk ap -s 9 -o 4 -d 5": [qbdkit, "risk", "ap", "--severity", "9",
                                          "--occurrence", "4", "--detection", "5"],
    }
    print(f"Start-up, fresh process per run, commands alternated; {machine_note()}")
    timings = alternate({k: (lambda c=c: _run(c)) for k, c in cmds.items()}, args.repeat)
    for name, t in timings.items():
        note = ""
        if name.startswith("qbdkit"):
            ok = "met" if t.median <= TARGET else "MISSED"
            note = f"target ≤ {TARGET} s: {ok}"
        print(row(t, note))


if __name__ == "__main__":
    main()
