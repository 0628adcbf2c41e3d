"""Run the bundled mAb demo end to end and write its report — one code path.

1. Import the bundled project (``src/qbdkit/demo/mab``) into the embedded SQLite store at
   ``OUT/qbdkit.sqlite`` (:func:`qbdkit.services.projects.import_project`; running the demo
   again adds a new version when the content differs from the newest).
2. Run each stage module of :data:`qbdkit.demo.stages.STAGE_MODULES` in order (risk → SDM →
   DoE → … → operations): each stores its results as records of the demo project through the
   services and accepts results into the project, exactly as a user's commands would.
3. Write ``OUT/report.html`` (``report.pdf`` / ``report.docx`` on request) with the project
   report service :func:`qbdkit.services.report.project_report` — the same report as
   ``qbdkit report demo-mab``.

An exception inside a stage is a bug and propagates. The store is the embedded single-user
default: no sign-in, nothing interactive (``make demo``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).parent / "mab"


@dataclass
class DemoRun:
    out_dir: Path
    report: Path
    project: str = ""
    stages: list[tuple[str, str, float]] = field(default_factory=list)  # (name, status, s)
    files: list[Path] = field(default_factory=list)


def run_demo(out_dir: Path, *, user: str | None = None,
             progress: Callable[[str], None] | None = None, project_dir: Path = PROJECT_DIR,
             formats: Sequence[str] = ("html",), lang: str = "en",
             url: str | None = None) -> DemoRun:
    """Import the demo project, run every stage module, write the report (see the module
    docstring). ``formats``: any of html, pdf, docx (``report.<format>``). ``url``: another
    store than ``OUT/qbdkit.sqlite`` (``qbdkit serve --demo``, the web tests: a multi-user
    store, ``user`` then names the signed-in scientist who authors the records)."""
    from qbdkit.demo.stages import DemoContext, stage_runners
    from qbdkit.services.auth import local_user
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project
    from qbdkit.services.report import ReportRequest, project_report

    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    run = DemoRun(out_dir=out_dir, report=out_dir / "report.html")
    url = url or f"sqlite:///{(out_dir / 'qbdkit.sqlite').resolve()}"
    user = user or local_user(url)
    ctx = Context(user=user, url=url, lang=lang)

    t0 = time.perf_counter()
    say("project: importing the bundled mAb project")
    imported = import_project(project_dir, user=user, reason="qbdkit demo: load bundled mAb "
                              "project", url=url)
    run.project = imported.project
    run.stages.append(("project", "ok", time.perf_counter() - t0))

    d = DemoContext(ctx=ctx, project=imported.project, project_dir=project_dir,
                    out_dir=out_dir, say=say)
    for name, stage in stage_runners():
        t0 = time.perf_counter()
        say(f"{name}: running")
        stage(d)
        run.stages.append((name, "ok", time.perf_counter() - t0))

    for fmt in formats:
        t0 = time.perf_counter()
        say(f"report: writing report.{fmt}")
        doc = project_report(ReportRequest(project=imported.project, lang=lang, format=fmt), ctx)
        run.files.append(doc.write(out_dir / f"report.{fmt}"))
        run.stages.append((f"report ({fmt})", "ok", time.perf_counter() - t0))
    return run
