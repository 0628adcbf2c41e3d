"""Demo stage: continued process verification of the commercial batches after PPQ.

Two periodic reviews (kind ``cpv.review``), each charting every CPP, KPP and CQA of the
control strategy from the project's batch data:

* ``review-2026-07`` — PPQ and the commercial batches made until July 2026 (limits from
  those 15 batches, beside the initial limits handed over by the PPQ evaluation);
* ``review-2027-01`` — every batch, with limits recomputed from the first 20 batches; signals
  after the first review's last batch are new.

The second is also written as ``cpv-review.xlsx`` for the review meeting.
"""

from __future__ import annotations

from qbdkit.demo.stages import DemoContext

FIRST_UNTIL = "2026-07-31"


def run(d: DemoContext) -> None:
    from qbdkit.report.spc import write_review_xlsx
    from qbdkit.services.spc import review_for_project

    d.say("cpv: review of PPQ and the first commercial batches")
    first, _ = review_for_project(d.project, d.ctx, name="review-2026-07",
                                  reason="qbdkit demo", until=FIRST_UNTIL)
    d.say(f"cpv: {first.summary().splitlines()[0]}")
    d.say("cpv: review of every commercial batch (limits recomputed from 20 batches)")
    second, _ = review_for_project(d.project, d.ctx, name="review-2027-01",
                                   reason="qbdkit demo")
    d.say(f"cpv: {second.summary().splitlines()[0]}")
    write_review_xlsx(second, d.out_dir / "cpv-review.xlsx", d.ctx.lang)
