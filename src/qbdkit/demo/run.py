"""Run the bundled mAb demo end to end and write ``report.html``.

Stages run in the order a QbD programme runs them (DESIGN.md): project and
modality template → risk assessment → scale-down model qualification → DoE
design → DoE analysis → design space, PAR/NOR → audit trail. Each area supplies
``qbdkit.report.<area>.demo_section(project_dir, out_dir) -> str``; a stage whose
module does not exist yet is listed as "not yet available" (an exception inside
a stage is a bug and propagates).

The demo database is the embedded default (SQLite) at ``OUT/qbdkit.sqlite``.
Running the demo again imports the project as a new version into the same
database, so the audit trail grows and is verified at the end of each run.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qbdkit.report import html as h

PROJECT_DIR = Path(__file__).parent / "mab"

#: (anchor, English title, module providing ``demo_section``)
STAGES: list[tuple[str, str, str]] = [
    ("risk", "Risk assessment", "qbdkit.report.risk"),
    ("sdm", "Scale-down model qualification", "qbdkit.report.sdm"),
    ("doe-design", "DoE designs", "qbdkit.report.doe_design"),
    ("doe-analysis", "DoE analysis and CPP re-assessment", "qbdkit.report.doe_analysis"),
    ("doe-space", "Design space, PAR and NOR", "qbdkit.report.doe_space"),
]


@dataclass
class DemoRun:
    out_dir: Path
    report: Path
    stages: list[tuple[str, str, float]] = field(default_factory=list)  # (name, status, seconds)


def _load_stage(module_name: str) -> Callable[[Path, Path], str] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, "demo_section", None)


def run_demo(out_dir: Path, *, user: str | None = None, progress: Callable[[str], None] | None = None,
             project_dir: Path = PROJECT_DIR) -> DemoRun:
    """Import the demo project into ``out_dir/qbdkit.sqlite``, run every stage, write the report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    run = DemoRun(out_dir=out_dir, report=out_dir / "report.html")
    url = f"sqlite:///{(out_dir / 'qbdkit.sqlite').resolve()}"
    sections: list[str] = []
    toc: list[tuple[str, str]] = []

    from qbdkit.demo import integration
    from qbdkit.services.auth import local_user

    user = user or local_user(url)

    t0 = time.perf_counter()
    say("project: loading and importing the bundled mAb project")
    overview, project_name = integration.project_section(project_dir, out_dir, url=url, user=user)
    sections.append(overview)
    toc.append(("project", "Project"))
    run.stages.append(("project", "ok", time.perf_counter() - t0))

    for anchor, title, module_name in STAGES:
        t0 = time.perf_counter()
        fn = _load_stage(module_name)
        if fn is None:
            say(f"{anchor}: not yet available")
            sections.append(h.section(title, '<p class="note">Not yet available in this version.</p>',
                                      anchor=anchor))
            run.stages.append((anchor, "not available", 0.0))
        else:
            say(f"{anchor}: running")
            body = fn(project_dir, out_dir)
            if f'id="{anchor}"' not in body:
                body = f'<div id="{anchor}"></div>\n{body}'
            sections.append(body)
            run.stages.append((anchor, "ok", time.perf_counter() - t0))
        toc.append((anchor, title))

    t0 = time.perf_counter()
    say("audit: verifying the audit trail")
    sections.append(integration.audit_section(project_name, url=url))
    toc.append(("audit", "Audit trail"))
    run.stages.append(("audit", "ok", time.perf_counter() - t0))

    run.report.write_text(
        h.page(
            "qbdkit demo — mAb process characterization",
            sections,
            subtitle=("Synthetic but plausible data for a CHO fed-batch mAb with platform purification; "
                      "see src/qbdkit/demo/mab/README.md. Database: " + url),
            toc=toc,
        ),
        encoding="utf-8",
    )
    return run
