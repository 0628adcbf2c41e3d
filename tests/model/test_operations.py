"""Operational record models: validation rules and the decisions they delegate to core."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from qbdkit.model.operations import (
    Capa,
    ChainOfIdentity,
    Deviation,
    ServiceRequest,
    Shipment,
    YearlyEvaluationRecord,
)

REQ = dict(id="R1", client="Client A", cooperation_mode="委托服务", scope="scale-up;testing",
           received="2025-01-24")


def test_service_request_schedule_and_aliases():
    r = ServiceRequest(**REQ, intake_done="2025-02-07")
    assert r.cooperation_mode == "commissioned" and r.scope == ["scale-up", "testing"]
    s = r.schedule(dt.date(2025, 3, 1))
    assert s.stage("intake").due == "2025-02-07" and s.stage("intake").status == "on time"
    # 10 wd after Fri 7 Feb 2025: Sat 8 Feb (adjusted working day), 10–14, 17–20 Feb
    assert s.stage("protocol").due == "2025-02-20"


def test_request_without_client_is_refused():
    with pytest.raises(ValidationError) as e:
        ServiceRequest(**{**REQ, "client": ""})
    assert e.value.errors()[0]["loc"] == ("client",)


def test_closure_records_results_ownership():
    with pytest.raises(ValidationError):
        ServiceRequest(**REQ, closed="2025-06-01")
    ok = ServiceRequest(**REQ, closed="2025-06-01", results={"ownership": "client"})
    assert ok.results.ownership == "client"
    with pytest.raises(ValidationError):
        ServiceRequest(**REQ, results={"ownership": "shared"})


def test_yearly_evaluation_needs_an_action_per_shortfall():
    with pytest.raises(ValidationError):
        YearlyEvaluationRecord(year=2025, shortfalls=["on_time_rate"])
    ev = YearlyEvaluationRecord(year=2025, shortfalls=["on_time_rate"], actions=[{
        "kpi": "on_time_rate", "description": "weekly deadline review", "owner": "Zhang",
        "due": "2026-03-31"}])
    assert ev.actions[0].owner == "Zhang"


def test_deviation_closure_needs_effective_capa_and_closed_change():
    capa = dict(id="C1", kind="corrective", action="recalibrate probe", owner="Li",
                due="2025-05-01", completed="2025-04-20", effectiveness_checked="2025-05-20",
                effective=True)
    dev = dict(id="D1", occurred="2025-04-01", description="pH excursion",
               deviation_class="major", investigation="done", root_cause="probe drift")
    assert Deviation(**dev, capas=[capa], closed="2025-06-01").closed
    with pytest.raises(ValidationError) as e:
        Deviation(**dev, capas=[{**capa, "change": {"id": "CC-1", "change_class": "moderate",
                                                     "comparability_study": True}}],
                  closed="2025-06-01")
    assert "CC-1" in str(e.value)
    with pytest.raises(ValidationError):
        Capa(id="C2", kind="preventive", action="x", owner="", due="2025-05-01")


def test_chain_of_identity_model():
    c = ChainOfIdentity(id="COI-1", donor_id="P-1", collection_id="AP-1", batch_id="B-1",
                        product_ids=["B-1-01"], patient_id="P-1")
    assert c.check("administration", [("product_id", "B-1-01"), ("patient_id", "P-1")]).accepted
    assert not c.check("administration", [("product_id", "B-1-01"),
                                          ("patient_id", "P-2")]).accepted
    with pytest.raises(ValidationError):
        ChainOfIdentity(id="COI-2", donor_id="P-1", collection_id="AP-1",
                        product_ids=["X", "X"], patient_id="P-1")


def test_shipment_without_temperature_record_refused():
    base = dict(id="S1", material="ADC drug substance", lot="DS-01", from_site="Site A",
                to_site="Site B", shipped="2025-06-02T08:00:00",
                conditions={"temperature_low_c": 2, "temperature_high_c": 8})
    with pytest.raises(ValidationError) as e:
        Shipment(**base, temperature_log=[])
    assert e.value.errors()[0]["loc"] == ("temperature_log",)
    s = Shipment(**base, temperature_log=[{"at": "2025-06-02T08:00:00", "celsius": 5},
                                          {"at": "2025-06-02T12:00:00", "celsius": 6}],
                 receipt_checks={"label_matches_contents": True, "container_intact": True,
                                 "certificate_of_analysis": True, "release_certificate": True,
                                 "deviations_changes_communicated": True})
    assert s.temperature().passed and s.receipt().accepted
