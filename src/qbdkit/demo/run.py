"""Run the bundled mAb demo end to end and write its report — one code path.

1. Import the bundled project (``src/qbdkit/demo/mab``) into the embedded SQLite store at
   ``OUT/qbdkit.sqlite`` (:func:`qbdkit.services.projects.import_project`; running the demo
   again adds version n+1, superseding n).
2. Run each stage module of :data:`qbdkit.demo.stages.STAGE_MODULES` in order: each stores
   its results as records of the demo project through the services (and accepts results
   into the project), exactly as a user's commands would.
3. Write ``OUT/report.html`` (and, on request, ``report.pdf`` / ``report.docx``) with the
   project report service :func:`qbdkit.services.report.project_report` — the report of the
   stored project and records, the same as ``qbdkit report``.

While the stages are moving to stored records, a stage whose records are not yet there keeps
its former report section (the area's ``demo_section(project_dir, out_dir)``), shown in the
report after that stage's records and marked as not stored. A legacy section is dropped as
soon as the demo project holds a record of its stage that has a registered renderer
(:mod:`qbdkit.report.sections`); the risk assessments are stored as records here until a
``risk`` stage module does it. An exception inside a stage is a bug and propagates.

The store is the embedded single-user default: no sign-in, nothing interactive
(``make demo``).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).parent / "mab"

#: Former report sections: (anchor, English title, module with ``demo_section``, stage).
LEGACY: list[tuple[str, str, str, str]] = [
    ("risk", "Risk assessment (figures)", "qbdkit.report.risk", "risk"),
    ("sdm", "Scale-down model qualification", "qbdkit.report.sdm", "sdm"),
    ("doe-design", "DoE designs", "qbdkit.report.doe_design", "doe"),
    ("doe-analysis", "DoE analysis and CPP re-assessment", "qbdkit.report.doe_analysis", "doe"),
    ("doe-space", "Design space, PAR and NOR", "qbdkit.report.doe_space", "design-space"),
]


@dataclass
class DemoRun:
    out_dir: Path
    report: Path
    project: str = ""
    stages: list[tuple[str, str, float]] = field(default_factory=list)  # (name, status, s)
    files: list[Path] = field(default_factory=list)


def _legacy_section(module_name: str) -> Callable[[Path, Path], str] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, "demo_section", None)


def _stages_with_rendered_records(project: str, url: str) -> set[str]:
    """Stages of which the project holds a record whose kind has a renderer."""
    from qbdkit.report.sections import renderer
    from qbdkit.services.records import list_records
    from qbdkit.services.report import stage_of

    return {stage_of(r["kind"]) for r in list_records(project, url=url).records
            if renderer(r["kind"]) is not None}


def run_demo(out_dir: Path, *, user: str | None = None,
             progress: Callable[[str], None] | None = None, project_dir: Path = PROJECT_DIR,
             formats: Sequence[str] = ("html",), lang: str = "en") -> DemoRun:
    """Import the demo project, run every stage module, write the report (see the module
    docstring). ``formats``: any of html, pdf, docx (``report.<format>``)."""
    from qbdkit.demo.stages import STAGE_MODULES, DemoContext, stage_runners
    from qbdkit.services.auth import local_user
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project
    from qbdkit.services.report import ReportRequest, project_report

    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    run = DemoRun(out_dir=out_dir, report=out_dir / "report.html")
    url = f"sqlite:///{(out_dir / 'qbdkit.sqlite').resolve()}"
    user = user or local_user(url)
    ctx = Context(user=user, url=url, lang=lang)

    t0 = time.perf_counter()
    say("project: importing the bundled mAb project")
    imported = import_project(project_dir, user=user, reason="qbdkit demo: load bundled mAb "
                              "project", url=url)
    run.project = imported.project
    stage_names = {m.rsplit(".", 1)[-1] for m in STAGE_MODULES}
    if "risk" not in stage_names and (project_dir / "risk").is_dir():
        from qbdkit.services.risk import store_folder

        store_folder(imported.project, project_dir / "risk", user=user,
                     reason="qbdkit demo: risk assessments", url=url)
    run.stages.append(("project", "ok", time.perf_counter() - t0))

    d = DemoContext(ctx=ctx, project=imported.project, project_dir=project_dir,
                    out_dir=out_dir, say=say)
    for name, stage in stage_runners():
        t0 = time.perf_counter()
        say(f"{name}: running")
        stage(d)
        run.stages.append((name, "ok", time.perf_counter() - t0))

    extra: dict[str, list[tuple[str, str]]] = {}
    stored = _stages_with_rendered_records(imported.project, url)
    for anchor, title, module_name, stage_name in LEGACY:
        if stage_name in stored:
            continue
        fn = _legacy_section(module_name)
        if fn is None:
            continue
        t0 = time.perf_counter()
        say(f"{anchor}: running (not yet a stored record)")
        body = fn(project_dir, out_dir)
        extra.setdefault(stage_name, []).append((title, f'<div id="{anchor}">{body}</div>'))
        run.stages.append((anchor, "not stored", time.perf_counter() - t0))

    for fmt in formats:
        t0 = time.perf_counter()
        say(f"report: writing report.{fmt}")
        doc = project_report(ReportRequest(project=imported.project, lang=lang, format=fmt),
                             ctx, extra=extra)
        run.files.append(doc.write(out_dir / f"report.{fmt}"))
        run.stages.append((f"report ({fmt})", "ok", time.perf_counter() - t0))
    return run
