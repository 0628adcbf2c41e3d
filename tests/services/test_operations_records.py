"""Operational documents as records: service requests, deviations/CAPA, donors, chains of
identity (refusals audited, nothing else written), shipments, cell-therapy release."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from qbdkit.errors import QbdInputError
from qbdkit.model.operations import Handover, PreAdministration
from qbdkit.services.base import Context
from qbdkit.services.kinds import get_kind
from qbdkit.services.operations_records import (
    ChainRecord,
    DeviationRecord,
    DonorRecord,
    HandoverRefused,
    ReleaseDocument,
    ServiceRequestRecord,
    ShipmentRecord,
    load_document,
    record_handover,
    run_chain,
    run_deviation,
    run_donor,
    run_release,
    run_request,
    run_shipment,
    store_chain,
)

D = dt.date
T = dt.datetime


def _example(kind: str, folder: Path):
    return get_kind(kind).example(folder)


# ---- service requests ---------------------------------------------------------------------------

def test_request_deadlines_in_working_days_across_the_spring_festival(tmp_path):
    """Known answers from the 2026 State Council notice (chinese-calendar data): Spring
    Festival 15–23 Feb 2026 off, Sat 14 Feb and Sat 28 Feb working days."""
    req = ServiceRequestRecord(id="R1", client="C", cooperation_mode="委托", scope="testing",
                               received=D(2026, 2, 12), intake_done=D(2026, 2, 26),
                               as_of=D(2026, 3, 2))
    s = run_request(req)
    intake = s.schedule.stage("intake")
    # 13 Fri, 14 Sat (worked), 24 Tue, 25 Wed, 26 Thu → 5th working day after 12 Feb is 26 Feb
    assert intake.due == "2026-02-26" and intake.status == "on time"
    protocol = s.schedule.stage("protocol")
    # after 26 Feb: 27, 28 (Sat, worked), 2, 3, 4, 5, 6, 9, 10, 11 Mar → 11 Mar
    assert protocol.due == "2026-03-11" and s.stage == "protocol" and not s.overdue
    late = run_request(req.model_copy(update={"as_of": D(2026, 3, 12)}))
    assert late.overdue and late.schedule.stage("protocol").status == "overdue"


def test_request_with_a_users_calendar_year_beyond_the_package(tmp_path):
    s = run_request(_example("operations.request", tmp_path))
    # received Mon 21 Dec 2026, intake ≤ 5 wd → Mon 28 Dec; protocol from 25 Dec → 11 Jan
    # 2027 (1 Jan 2027 a holiday in the site calendar)
    assert s.schedule.stage("intake").due == "2026-12-28"
    assert s.schedule.stage("protocol").due == "2027-01-11"
    assert s.open_exceptions == ["EX-1"] and s.results_ownership is None


def test_request_without_a_client_is_refused():
    with pytest.raises(ValidationError) as e:
        ServiceRequestRecord(id="R1", client="", cooperation_mode="commissioned",
                             scope="testing", received=D(2026, 1, 5), as_of=D(2026, 1, 6))
    assert e.value.errors()[0]["loc"] == ("client",)
    with pytest.raises(QbdInputError) as e:
        load_document("operations.request", None, id="R1", cooperation_mode="commissioned",
                      scope=["testing"], received=D(2026, 1, 5), as_of=D(2026, 1, 6))
    assert [p.column for p in e.value.problems] == ["client"]


def test_a_date_outside_the_calendar_years_is_an_input_error():
    req = ServiceRequestRecord(id="R1", client="C", cooperation_mode="commissioned",
                               scope="testing", received=D(2031, 3, 3), as_of=D(2031, 3, 4))
    with pytest.raises(QbdInputError) as e:
        run_request(req)
    assert "outside the working-day calendar" in str(e.value)


# ---- deviations and CAPA ----------------------------------------------------------------------

def test_deviation_impact_through_the_control_strategy_and_closure(tmp_path):
    req = _example("operations.deviation", tmp_path)
    s = run_deviation(req)
    assert s.impact.final_class == "major" and s.impact.impacted_cqas == ["Charge variants"]
    assert s.changes == [{"id": "CC-2026-009", "change_class": "minor", "stability_study": False,
                          "comparability_study": False, "status": "open",
                          "capa": "CAPA-2026-018"}]
    assert "change CC-2026-009 linked to CAPA CAPA-2026-018 not closed" in s.closure_blockers
    overdue = run_deviation(req.model_copy(update={"as_of": D(2027, 2, 1)}))
    # the corrective action's effectiveness check (due 31 Dec) and the preventive action
    # (due 29 Jan) are both overdue on 1 Feb
    assert overdue.capa.overdue == ["CAPA-2026-017", "CAPA-2026-018"]
    assert [c.status for c in overdue.capa.capas] == ["effectiveness check overdue", "overdue"]
    # closing with open CAPA is refused by the document itself
    data = req.model_dump() | {"closed": D(2027, 3, 1)}
    with pytest.raises(ValidationError, match="cannot close"):
        DeviationRecord(**data)


def test_deviation_control_strategy_file_bad_class(tmp_path):
    f = tmp_path / "cs.csv"
    f.write_text("parameter,class,cqas\npH,XPP,\n", "utf-8")
    req = _example("operations.deviation", tmp_path).model_copy(update={"control_strategy": f})
    with pytest.raises(QbdInputError) as e:
        run_deviation(req)
    p = e.value.first
    assert (p.row, p.column, p.found) == (2, "class", "XPP")


# ---- donors ------------------------------------------------------------------------------------

def test_donor_eligibility_from_the_laboratory_report(tmp_path):
    req = _example("operations.donor", tmp_path)
    assert run_donor(req).eligible
    f = tmp_path / "lab.csv"
    f.write_text("marker,result\nHIV,negative\nHBV,阳性\nHCV,negative\nHTLV,negative\n"
                 "EBV,negative\n", "utf-8")
    r = run_donor(req.model_copy(update={"screening_report": f}))
    assert not r.eligible and r.reactive == ["HBV"] and r.missing == ["syphilis"]
    clash = req.model_copy(update={"screening": {"HIV": "reactive"}})
    with pytest.raises(QbdInputError, match="differs from the laboratory report"):
        run_donor(clash)


# ---- chain of identity -------------------------------------------------------------------------

def _scan(step, at, *scans):
    return {"step": step, "at": at, "by": "op", "scans": [list(s) for s in scans]}


def test_chain_hand_overs_are_rechecked_in_order(tmp_path):
    req = _example("operations.chain", tmp_path)
    s = run_chain(req)
    assert [h.step for h in s.handovers] == ["collection", "receipt", "manufacture", "fill"]
    assert s.next_step == "release" and s.transport.passed
    early = req.model_copy(update={"handovers": [
        *req.handovers[:2], Handover(**_scan("fill", T(2026, 11, 5), ("batch_id", "B-0117"),
                                             ("product_id", "B-0117-01")))]})
    with pytest.raises(HandoverRefused, match="out of order: fill before manufacture"):
        run_chain(early)


def test_administration_needs_a_passed_pre_administration_check(tmp_path):
    req = _example("operations.chain", tmp_path)
    t = T(2026, 11, 20, 15, 0)
    steps = [*req.handovers,
             Handover(**_scan("release", t, ("batch_id", "B-0117"), ("product_id", "B-0117-01"),
                              ("patient_id", "PT-0117"))),
             Handover(**_scan("shipment", t, ("product_id", "B-0117-01"),
                              ("patient_id", "PT-0117"))),
             Handover(**_scan("administration", t + dt.timedelta(days=1),
                              ("product_id", "B-0117-01"), ("patient_id", "PT-0117")))]
    with pytest.raises(HandoverRefused, match="pre-administration check not passed"):
        run_chain(req.model_copy(update={"handovers": steps}))
    pre = PreAdministration(at=t + dt.timedelta(days=1), product_id="B-0117-01",
                            patient_id="PT-0117", expiry=t + dt.timedelta(days=30),
                            appearance_ok=True, label_and_procedure_checked=True)
    done = run_chain(req.model_copy(update={"handovers": steps, "pre_administration": pre}))
    assert done.complete and done.pre_administration.passed
    no_log = req.model_copy(update={"handovers": steps, "pre_administration": pre,
                                    "transport_log": None})
    with pytest.raises(HandoverRefused, match="transport temperature record"):
        run_chain(no_log)


def _entries(url, action):
    from qbdkit.services.audit import audit_log

    return [e for e in audit_log("cart", url=url).entries if e["action"] == action]


def test_refused_hand_over_is_audited_and_nothing_else_is_written(tmp_path, db_url, team):
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import get_record, record_count

    create_project("cart", user="sci", reason="test", url=db_url)
    ctx = Context(user="sci", url=db_url)
    _, stored = store_chain(_example("operations.chain", tmp_path), ctx, project="cart",
                            name="COI-0117", reason="new chain")
    assert stored.version == 1
    before = record_count("cart", url=db_url)
    mismatch = [("batch_id", "B-0117"), ("product_id", "B-0117-01"), ("patient_id", "PT-0999")]
    with pytest.raises(HandoverRefused, match="identifier mismatch: patient_id"):
        record_handover("cart", "COI-0117", "release", mismatch, ctx=ctx)
    twice = [("batch_id", "B-0117"), ("product_id", "B-0117-01"), ("product_id", "B-0117-01"),
             ("patient_id", "PT-0117")]
    with pytest.raises(HandoverRefused, match="scanned twice"):
        record_handover("cart", "COI-0117", "release", twice, ctx=ctx)
    assert record_count("cart", url=db_url) == before
    assert get_record("cart", "operations.chain", "COI-0117", url=db_url)["version"] == 1
    refused = _entries(db_url, "handover.refused")
    assert [e["entity"] for e in refused] == ["record:operations.chain/COI-0117"] * 2
    assert "patient_id expected PT-0117, scanned PT-0999" in refused[0]["reason"]
    assert refused[0]["user"] == "sci"
    ok = [("batch_id", "B-0117"), ("product_id", "B-0117-01"), ("patient_id", "PT-0117")]
    state, saved = record_handover("cart", "COI-0117", "release", ok, ctx=ctx,
                                   at=T(2026, 11, 14, 9))
    assert saved.version == 2 and state.next_step == "shipment"
    with pytest.raises(HandoverRefused, match="already scanned at release"):
        record_handover("cart", "COI-0117", "release", ok, ctx=ctx)
    from qbdkit.services.audit import verify_audit

    assert verify_audit(url=db_url).intact


def test_an_identifier_of_another_chain_is_refused_and_audited(tmp_path, db_url, team):
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import record_count

    create_project("cart", user="sci", reason="test", url=db_url)
    ctx = Context(user="sci", url=db_url)
    req = _example("operations.chain", tmp_path)
    store_chain(req, ctx, project="cart", name="COI-0117")
    other = req.model_copy(update={"id": "COI-0200", "donor_id": "PT-0200",
                                   "patient_id": "PT-0200", "collection_id": "AP-0200",
                                   "handovers": []})
    with pytest.raises(HandoverRefused, match="belongs to chain COI-0117"):
        store_chain(other, ctx, project="cart", name="COI-0200")
    assert record_count("cart", url=db_url) == 1
    assert len(_entries(db_url, "handover.refused")) == 1


# ---- shipments and release ------------------------------------------------------------------

def test_shipment_temperature_and_receipt(tmp_path):
    req = _example("operations.shipment", tmp_path)
    s = run_shipment(req)
    assert s.temperature.minutes_outside == 30 and s.temperature.passed  # ≤ 60 min allowed
    assert s.receipt.accepted and s.duration_h == pytest.approx(24 + 1 / 3, abs=1e-4)
    strict = req.model_copy(update={"conditions": req.conditions.model_copy(
        update={"allowed_excursion_minutes": 0})})
    r = run_shipment(strict)
    assert not r.receipt.accepted and r.receipt.failures == ["transport_monitoring"]
    with pytest.raises(QbdInputError) as e:
        run_shipment(req.model_copy(update={"logger_file": None}))
    assert e.value.first.column == "temperature_log"
    assert "without a temperature record" in str(e.value)


def test_release_before_all_results_and_a_late_failure(tmp_path):
    req = _example("operations.release", tmp_path)
    s = run_release(req)
    assert s.decision.before_all_results and s.decision.pending == ["sterility (14 d)", "RCL"]
    failed = run_release(req.model_copy(update={"late_results": {"RCL": "fail"}}))
    late = failed.late[0]
    assert late.follow_up_required and late.patients == ["PT-0117"]
    assert any("treating physician" in n for n in late.notify)


def test_documents_load_from_yaml_with_relative_files(tmp_path):
    log = tmp_path / "logs" / "l.csv"
    log.parent.mkdir()
    log.write_text("time,celsius\n2026-11-10 06:00,5.1\n2026-11-10 07:00,5.3\n", "utf-8")
    doc = tmp_path / "sh.yaml"
    doc.write_text("id: SH-1\nmaterial: DS\nlot: L1\nfrom_site: A\nto_site: B\n"
                   "shipped: 2026-11-10T06:00:00\nconditions: {temperature_low_c: 2, "
                   "temperature_high_c: 8}\nlogger_file: logs/l.csv\n", "utf-8")
    req = load_document("operations.shipment", doc)
    assert isinstance(req, ShipmentRecord) and req.logger_file == log.resolve()
    assert run_shipment(req).temperature.readings == 2


def test_every_document_kind_is_a_request_of_its_model():
    from qbdkit.model import operations as m

    pairs = [(ServiceRequestRecord, m.ServiceRequest), (DeviationRecord, m.Deviation),
             (DonorRecord, m.Donor), (ChainRecord, m.ChainOfIdentity),
             (ShipmentRecord, m.Shipment), (ReleaseDocument, m.ReleaseRecord)]
    for request, model in pairs:
        assert issubclass(request, model)
        assert set(model.model_fields) <= set(request.model_fields)

