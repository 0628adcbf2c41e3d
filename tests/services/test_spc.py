from __future__ import annotations

from pathlib import Path

import pytest

from qbdkit.services.kinds import get_kind
from qbdkit.services.spc import ChartRequest, ReviewRequest, chart, review

DATA = Path(__file__).parents[1] / "data" / "spc"


def test_kinds_registered_and_request_reruns():
    for name in ("cpv.chart", "cpv.capability", "cpv.t2", "cpv.review"):
        assert get_kind(name).stage == "cpv"
    req = ChartRequest(file=DATA / "viscosity.csv", value="viscosity", batch="batch",
                       baseline=20, exclude=[3])
    a, b = chart(req), chart(ChartRequest.model_validate_json(req.model_dump_json()))
    assert a.to_dict() == b.to_dict()
    assert a.labels[3] == "4" and req.input_files() == {"file": DATA / "viscosity.csv"}


def test_review_from_files(tmp_path):
    d = tmp_path / "data.csv"
    d.write_text("batch,item,value,time\n" + "".join(
        f"B{i},titer,{5 + 0.1 * (i % 3)},2024-01-{i + 1:02d}\n" for i in range(12)),
        encoding="utf-8")
    lim = tmp_path / "lim.csv"
    lim.write_text("item,kind,lsl,usl\ntiter,CQA,4,6\n", encoding="utf-8")
    r = review(ReviewRequest(data=d, limits=lim, since="B5"))
    assert r.summary_rows[0]["cpk"] == pytest.approx(r.items[0].cpk)
    assert len(r.disposition) == 12
