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
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import alternate, machine_note, row

TARGET = 0.3


CHILD_CPU: dict[str, list[float]] = {}


def _run(name: str, cmd: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CHILD_CPU.setdefault(name, []).append(after.ru_utime - before.ru_utime
                                          + after.ru_stime - before.ru_stime)
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
    timings = alternate({k: (lambda k=k, c=c: _run(k, c)) for k, c in cmds.items()}, args.repeat)
    print("  (CPU = the command's own user + system seconds: what it costs on an idle machine, "
          "whatever the load)")
    for name, t in timings.items():
        t.cpu = CHILD_CPU[name]
        note = ""
        if name.startswith("qbdkit"):
            ok = "met" if t.median <= TARGET else "MISSED"
            cpu_ok = "met" if statistics.median(t.cpu) <= TARGET else "MISSED"
            note = f"target ≤ {TARGET} s: wall {ok}, CPU {cpu_ok}"
        print(row(t, note))


if __name__ == "__main__":
    main()
