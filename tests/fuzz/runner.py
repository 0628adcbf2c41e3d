"""Run the fuzz corpus through every reading command, in one process, under resource limits.

``python tests/fuzz/runner.py FAMILY [FAMILY …]`` prints one JSON line per (case, command):
``{"case", "args", "code", "seconds", "maxrss_mb", "traceback", "store_changed", "err"}``
and a last line ``{"baseline_mb": …}``. The test (``test_corpus.py``) starts it in a
subprocess so that a hang is cut off (``SIGALRM`` per command, a timeout for the whole
run) and a memory blow-up hits ``RLIMIT_AS`` instead of the machine.

Commands run in-process through :func:`qbdkit.cli.main.main` (as the ``cli`` fixture does)
against a private SQLite store that holds a project with a stored assessment; the store is
dumped (:func:`qbdkit.store.db.dump_tables`) before and after every command.
Runtime-only cases (``runtime`` family): symbolic links, a FIFO, a directory and a device
given as input files, links inside a project folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "fuzz"
DEMO = ROOT / "src" / "qbdkit" / "demo" / "mab"
SCALE = ROOT / "src" / "qbdkit" / "scales" / "data" / "aiag-vda.yaml"
BASE_PROJECT = CORPUS / "base_project"  # a small valid project (see make_corpus.base_project)
#: per-command wall-clock limit of the watchdog (the test asserts a tighter bound)
ALARM_SECONDS = 60
#: address-space limit of the runner process (a blow-up fails here, not on the machine)
ADDRESS_SPACE = 4 * 1024**3

TITER = "Titer (g/L)"


def _risk(verb: str, store: bool = True) -> list[list[str]]:
    cmds = [["risk", verb, "{f}"]]
    if store:
        cmds.append(["risk", verb, "{f}", "--project", "fuzz", "--reason", "fuzz"])
    return cmds


DOE_COMMANDS = [
    ["doe", "analyze", "{f}", "-r", TITER],
    ["doe", "design-space", "{f}", "--response", TITER, "--spec", f"{TITER}>=4", "--grid", "5",
     "--draws", "50"],
    ["doe", "optimize", "{f}", "--goal", f"{TITER}:max", "--starts", "2"],
    ["doe", "evaluate", "{f}", "--response", TITER, "--response", "Aggregate (%)",
     "--response", "Afucosylation (%)", "--response", "HCP (ng/mg)"],
    ["doe", "augment", "{f}", "--how", "center", "--response", TITER, "--response",
     "Aggregate (%)", "--response", "Afucosylation (%)", "--response", "HCP (ng/mg)"],
    ["doe", "predict", "{f}", "-r", TITER, "--at", "pH=7.0", "--at", "Temperature (°C)=36",
     "--at", "DO (%)=40", "--at", "Feed (%)=3"],
    ["doe", "reassess", "{f}", "--spec", f"{TITER}>=4"],
    ["mvda", "pca", "{f}", "--id", "run"],
    ["mvda", "pls", "{f}", "--y", TITER, "--id", "run"],
]
SDM_COMMANDS = [
    ["sdm", "compare", "--at-scale", "{f}", "--small-scale", str(DEMO / "sdm" / "small_scale.csv")],
    ["sdm", "compare", "--at-scale", str(DEMO / "sdm" / "at_scale.csv"), "--small-scale", "{f}"],
]
BATCH_COMMANDS = [
    ["mvda", "batch", "{f}", "--batch", "batch", "--time", "day"],
    ["mvda", "batch", str(DEMO / "sdm" / "trajectories_at_scale.csv"), "--batch", "batch",
     "--time", "day", "--project", "{f}"],
]
FACTOR_COMMANDS = [["doe", "design", "--factors", "{f}", "--type", "full"]]
SCALE_COMMANDS = [
    ["risk", "ap", "-s", "5", "-o", "5", "-d", "5", "--scale-file", "{f}"],
    ["risk", "fmea", str(DEMO / "risk" / "fmea.csv"), "--scale-file", "{f}"],
]
PROJECT_COMMANDS = [
    ["validate", "{d}"],
    ["import", "{d}", "--reason", "fuzz"],
    ["doe", "design", "--project", "{d}", "--unit-operation", "production_bioreactor", "--type",
     "full"],
]

FAMILIES: dict[str, list[list[str]]] = {
    "fmea": [*_risk("fmea"), ["risk", "fmea", "{f}", "--out", "{tmp}/ranked.xlsx"],
             ["risk", "fmea", "{f}", "--out", "{tmp}/ranked.csv"]],
    "ce": _risk("ce"),
    "cqa": _risk("cqa"),
    "classify": _risk("classify"),
    "study": _risk("study"),
    "doe": DOE_COMMANDS,
    "sdm": SDM_COMMANDS,
    "batch": BATCH_COMMANDS,
    "factors": FACTOR_COMMANDS,
    "scale": SCALE_COMMANDS,
    "project": PROJECT_COMMANDS,
}
# garbage tables go through every table reader, also as the project's data files
TABLE_COMMANDS = [
    *[cmd for fam in ("fmea", "ce", "cqa", "classify", "study") for cmd in FAMILIES[fam][:1]],
    ["risk", "fmea", "{f}", "--project", "fuzz", "--reason", "fuzz"],
    *DOE_COMMANDS, *SDM_COMMANDS, *BATCH_COMMANDS, *FACTOR_COMMANDS,
]
# files given beside a valid main input: new points to predict, new observations to project
RESULTS = str(DEMO / "doe" / "results.csv")
TABLE_COMMANDS += [
    ["doe", "predict", RESULTS, "-r", TITER, "--points", "{f}"],
    ["mvda", "pca", RESULTS, "--id", "run", "--project", "{f}"],
    ["mvda", "pls", RESULTS, "--y", TITER, "--id", "run", "--project", "{f}"],
    ["doe", "evaluate", RESULTS, "--factors", "{f}"],
]
FAMILIES["table"] = TABLE_COMMANDS
# project-folder targets a garbage file can stand in for
TABLE_TARGETS = ("data/batches.csv", "data/measurements.csv")
YAML_TARGETS = ("project.yaml", "process.yaml")
FAMILIES["yaml"] = [*FACTOR_COMMANDS, *SCALE_COMMANDS]
PROJECT_FILES = {"process": "process.yaml", "project": "project.yaml",
                 "batches": "data/batches.csv", "measurements": "data/measurements.csv"}


def _project_commands(target: str) -> list[list[str]]:
    """validate and import read every file of the folder; doe design --project reads it the
    same way (load_project) and is run where its own part, the process, is broken."""
    return PROJECT_COMMANDS if target == "process.yaml" else PROJECT_COMMANDS[:2]


def project_folder(tmp: Path, target: str | None, source: Path | None) -> Path:
    """A fresh copy of the demo project with ``target`` replaced by ``source``."""
    d = tmp / "project"
    if d.exists():
        shutil.rmtree(d)
    shutil.copytree(BASE_PROJECT, d)
    if target is not None and source is not None:
        dest = d / target
        if dest.suffix != source.suffix:  # e.g. measurements.csv → measurements.xlsx
            dest.unlink()
            dest = dest.with_suffix(source.suffix)
        shutil.copyfile(source, dest)
    return d


def jobs(families: list[str], tmp: Path):
    """Yield ``(case name, args, env, prepare)`` for the families asked for."""
    manifest = json.loads((CORPUS / "manifest.json").read_text("utf-8"))["cases"]
    for case in manifest:
        fam = case["family"]
        if fam not in families:
            continue
        f = CORPUS / case["file"]
        env = case.get("env", {})
        if fam == "project":
            target = PROJECT_FILES[f.name.split("__")[0]]
            for cmd in _project_commands(target):
                yield case["file"], cmd, env, ("project", target, f)
            continue
        skip = set(case.get("skip", ()))
        for cmd in FAMILIES[fam]:
            if " ".join(cmd[:2]) not in skip:
                yield case["file"], cmd, env, ("file", None, f)
        if fam == "table":
            for target in TABLE_TARGETS:
                for cmd in PROJECT_COMMANDS[:2]:
                    yield f"{case['file']} as {target}", cmd, env, ("project", target, f)
        if fam == "yaml":
            for target in YAML_TARGETS:
                for cmd in _project_commands(target):
                    yield f"{case['file']} as {target}", cmd, env, ("project", target, f)
    if "runtime" in families:
        yield from runtime_jobs(tmp)


def runtime_jobs(tmp: Path):
    """Inputs that cannot be committed: links, a FIFO, a folder, a device."""
    links = tmp / "links"
    links.mkdir()
    good = links / "fmea.csv"
    shutil.copyfile(DEMO / "risk" / "fmea.csv", good)
    (links / "link.csv").symlink_to(good)
    (links / "link.xlsx").symlink_to(good)
    (links / "scale.yaml").symlink_to(SCALE)
    (links / "factors.yaml").symlink_to(DEMO / "doe" / "factors.yaml")
    fifo = links / "fifo.csv"
    os.mkfifo(fifo)
    (links / "folder.csv").mkdir()
    runtime = [
        ("link.csv", ["risk", "fmea", str(links / "link.csv")]),
        ("link.xlsx", ["risk", "cqa", str(links / "link.xlsx")]),
        ("link.csv", ["doe", "analyze", str(links / "link.csv"), "-r", TITER]),
        ("link.csv", ["mvda", "pca", str(links / "link.csv")]),
        ("scale link", ["risk", "ap", "-s", "5", "-o", "5", "-d", "5", "--scale-file",
                        str(links / "scale.yaml")]),
        ("factors link", ["doe", "design", "--factors", str(links / "factors.yaml"), "--type",
                          "full"]),
        ("fifo", ["risk", "fmea", str(fifo)]),
        ("fifo", ["mvda", "pca", str(fifo)]),
        ("folder", ["risk", "fmea", str(links / "folder.csv")]),
        ("device", ["risk", "fmea", "/dev/zero"]),
        ("device", ["sdm", "compare", "--at-scale", "/dev/zero", "--small-scale", "/dev/zero"]),
    ]
    for name, cmd in runtime:
        yield f"runtime: {name}", cmd, {}, ("file", None, None)
    # links inside a project folder: a data file, an area file, an area folder, the folder
    # (validate reads the model's files only: the area files are import's)
    for name, how, cmds in (("process.yaml is a link", "process", PROJECT_COMMANDS),
                            ("data/measurements.csv is a link", "measurements", PROJECT_COMMANDS),
                            ("risk/passwd is a link to /etc/passwd", "area_file",
                             PROJECT_COMMANDS[1:2]),
                            ("risk/ is a link to a folder", "area_dir", PROJECT_COMMANDS[1:2]),
                            ("data/ is a link to a folder", "data_dir", PROJECT_COMMANDS),
                            ("the project folder is a link", "root", PROJECT_COMMANDS),
                            ("a FIFO in the project folder", "fifo", PROJECT_COMMANDS[1:2])):
        for cmd in cmds:
            yield f"runtime: {name}", cmd, {}, ("linked_project", how, None)


def linked_project(tmp: Path, how: str) -> Path:
    d = project_folder(tmp, None, None)
    outside = tmp / "outside"
    if outside.exists():
        shutil.rmtree(outside)
    shutil.copytree(BASE_PROJECT, outside)
    if how == "process":
        (d / "process.yaml").unlink()
        (d / "process.yaml").symlink_to(outside / "process.yaml")
    elif how == "measurements":
        (d / "data" / "measurements.csv").unlink()
        (d / "data" / "measurements.csv").symlink_to(outside / "data" / "measurements.csv")
    elif how == "area_file":
        (d / "risk" / "passwd").symlink_to("/etc/passwd")
    elif how == "area_dir":
        shutil.rmtree(d / "risk")
        (d / "risk").symlink_to(outside / "risk")
    elif how == "data_dir":
        shutil.rmtree(d / "data")
        (d / "data").symlink_to(outside / "data")
    elif how == "root":
        link = tmp / "project-link"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(d)
        return link
    elif how == "fifo":
        os.mkfifo(d / "risk" / "pipe.csv")
    return d


class Timeout(BaseException):  # not caught by the CLI's "except Exception"
    pass


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise Timeout(f"no answer within {ALARM_SECONDS} s")


def main(families: list[str]) -> None:
    if hasattr(resource, "RLIMIT_AS"):
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    signal.signal(signal.SIGALRM, _alarm)
    tmp = Path(tempfile.mkdtemp(prefix="qbdkit-fuzz-"))
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    os.environ["QBDKIT_DATABASE_URL"] = url
    os.environ.pop("QBDKIT_DEBUG", None)
    out = sys.stdout
    import typer.main

    import qbdkit.cli.main
    from qbdkit.cli.main import main as cli
    from qbdkit.services.projects import create_project
    from qbdkit.store.db import dump_tables

    # Typer rebuilds the click command tree on every call (13 ms); build it once. main()
    # and its error handling (exit 2 / exit 1, no traceback) run unchanged.
    qbdkit.cli.main.attach_all()
    command = typer.main.get_command(qbdkit.cli.main.app)
    qbdkit.cli.main.app = lambda *args, **kwargs: command(*args, **kwargs)

    create_project("fuzz", user="admin", reason="fuzz store")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli(["risk", "fmea", str(DEMO / "risk" / "fmea.csv"), "--project", "fuzz",
                    "--reason", "baseline"])
    assert code == 0, "the baseline assessment could not be stored"
    before = dump_tables(url)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base_env = dict(os.environ)
    for name, cmd, env, (kind, target, source) in jobs(families, tmp):
        if kind == "project":
            d = project_folder(tmp, target, source)
        elif kind == "linked_project":
            d = linked_project(tmp, target)
        else:
            d = None
        args = [a.replace("{f}", str(source)).replace("{tmp}", str(tmp))
                .replace("{d}", str(d)) for a in cmd]
        os.environ.clear()
        os.environ.update(base_env)
        os.environ.update(env)
        stdout, stderr = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        signal.alarm(ALARM_SECONDS)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli(args)
        except Timeout as exc:
            code, stderr = -1, io.StringIO(str(exc))
        except BaseException as exc:
            code, stderr = -2, io.StringIO(f"{type(exc).__name__}: {exc}")
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - start
        os.environ.clear()
        os.environ.update(base_env)
        err = stderr.getvalue()
        text = stdout.getvalue() + err
        # commands that can write (import, --project) are checked one by one, the others
        # together at the end of the run
        writes = args[0] == "import" or ("--project" in args and args[:2] != ["mvda", "batch"])
        changed = writes and dump_tables(url) != before
        out.write(json.dumps({
            "case": name, "args": [a.replace(str(ROOT) + "/", "") for a in cmd],
            "code": code, "seconds": round(seconds, 3),
            "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "traceback": "Traceback (most recent call last)" in text,
            "store_changed": changed, "err": err[:400]}, ensure_ascii=False) + "\n")
        out.flush()
        if changed:
            before = dump_tables(url)
    out.write(json.dumps({"baseline_mb": round(baseline, 1),
                          "store_changed": dump_tables(url) != before}) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
