"""Operations report fragments render in both languages; every message has its zh entry."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from qbdkit.core.operations import carryover_limits, containment_band, due
from qbdkit.core.operations.cell_therapy import check_handover
from qbdkit.i18n import catalogue
from qbdkit.report import operations as rep
from qbdkit.services.operations import KpiRequest, TimelineRequest, kpi, timeline

DATA = Path(__file__).parents[1] / "data" / "operations"
CHAIN = {"id": "COI-1", "donor_id": "P-1", "collection_id": "AP-1", "batch_id": "B-1",
         "product_ids": ["B-1-01"], "patient_id": "P-1"}


def test_every_message_has_a_chinese_translation():
    src = Path(rep.__file__).read_text("utf-8")
    ids = set(re.findall(r'_t\(\s*"([^"]+)"', src)) | set(re.findall(r"_t\(\s*'([^']+)'", src))
    import qbdkit.services.operations as svc
    import qbdkit.services.operations_records as docs

    for module in (svc, docs):
        ids |= set(re.findall(r'both\("([^"]+)"', Path(module.__file__).read_text("utf-8")))
    from qbdkit.core.operations.cell_therapy import HANDOVERS
    from qbdkit.core.operations.kpi import KPIS, PERIODS

    ids |= {*PERIODS, *(k.dimension for k in KPIS), *HANDOVERS, "health-based", "dose",
            *docs.REQUEST_NOTES}
    missing = sorted(i for i in ids if i not in catalogue("operations", "zh"))
    assert missing == []


def test_kpi_dashboard_and_gantt_render():
    dash = kpi(KpiRequest(requests=DATA / "kpi_requests.csv", period="quarter",
                          as_of=dt.date(2025, 5, 31), targets={"on_time_rate": 0.9}))
    html = rep.render(dash, "zh")
    assert "中试项目按时完成率" in html and "<svg" in html and "33.3 %" in html
    assert 'class="bad"' in html          # R5 overdue, on-time shortfall
    tl = timeline(TimelineRequest(start=dt.date(2025, 3, 3), template="pcpv-17"))
    g = rep.render(tl, "en")
    assert "<svg" in g and "BLA dossier writing" in g and "357 working days" in g


def test_chain_maco_due_containment_render():
    ok = check_handover(CHAIN, "fill", [("batch_id", "B-1"), ("product_id", "B-1-01")])
    bad = check_handover(CHAIN, "administration", [("product_id", "B-1-01"),
                                                   ("patient_id", "P-2")])
    html = rep.chain_table(CHAIN, [ok, bad], "zh")
    assert "身份链 COI-1" in html and "拒绝" in html and "P-2" in html
    m = rep.render(carryover_limits(hbel_mg_per_day=0.001, next_batch_size=20000,
                                    next_max_daily_dose=1, shared_area_cm2=10000), "en")
    assert "MACO (mg)" in m and "visually clean" in m
    assert "2025-02-07" in rep.render(due("2025-01-24", 5), "en")
    assert "OEB 6" in rep.render(containment_band(0.05, cytotoxic=True), "zh")
