"""Demo stage: the control strategy of the demo project (kind ``control.strategy``).

Built from the project (set points, NOR, PAR, studied ranges accepted from the design
space), its risk records (C&E, FMEA, parameter classes), any DoE re-assessment and the
project's ``control/controls.csv``; stored as ``control.strategy/main`` and written as
``control-strategy.xlsx`` for the review meeting.
"""

from __future__ import annotations

from qbdkit.demo.stages import DemoContext

RECORD = "main"


def run(d: DemoContext) -> None:
    from qbdkit.report.control import write_xlsx
    from qbdkit.services.control import control_strategy_for_project

    d.say("control strategy: CQAs, parameters, ranges and controls per unit operation")
    result, _ = control_strategy_for_project(d.project, d.ctx, name=RECORD,
                                             reason="qbdkit demo")
    write_xlsx(result, d.out_dir / "control-strategy.xlsx", d.ctx.lang)
    failed = [c["name"] for c in result.checks if not c["passed"]]
    d.say(f"control strategy: {len(result.cqas())} CQAs, {len(result.parameters)} parameters; "
          + ("checks passed" if not failed else "checks failed: " + "; ".join(failed)))
