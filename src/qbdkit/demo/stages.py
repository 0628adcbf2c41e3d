"""The demo's programme, stage by stage, through the same services as everything else.

Each stage module (listed in :data:`STAGE_MODULES`, in the order of the QbD flow) has
``run(d: DemoContext) -> None`` which reads its bundled input files under
``d.project_dir/<area>/`` and stores its results as records of the demo project with
:func:`qbdkit.services.records.run_and_store` (or accepts results into the project with the
project services). Nothing here computes or renders: the report of the demo project is
``qbdkit report`` of the stored records (:mod:`qbdkit.services.report`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Stage modules, in the order of the QbD flow; each has ``run(d: DemoContext)``.
STAGE_MODULES: list[str] = [
    "qbdkit.demo.risk",
    "qbdkit.demo.sdm",
    "qbdkit.demo.doe",
    "qbdkit.demo.stability",
    "qbdkit.demo.change",
    "qbdkit.demo.operations",
]


@dataclass
class DemoContext:
    ctx: Any                      # qbdkit.services.base.Context (who acts, which store)
    project: str                  # the demo project's name in the store
    project_dir: Path             # the bundled project folder (src/qbdkit/demo/mab)
    out_dir: Path                 # where files a user would keep are written (run sheets…)
    say: Callable[[str], None]    # progress lines

    def store(self, kind: str, request: Any, name: str, reason: str = "qbdkit demo") -> Any:
        """Run ``kind`` on ``request`` and store the result as ``kind/name``; returns it."""
        from qbdkit.services.records import run_and_store

        result, _ = run_and_store(kind, request, self.ctx, project=self.project, name=name,
                                  reason=reason)
        return result


def stage_runners() -> list[tuple[str, Callable[[DemoContext], None]]]:
    return [(m.rsplit(".", 1)[-1], importlib.import_module(m).run) for m in STAGE_MODULES]
