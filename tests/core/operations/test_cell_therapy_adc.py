"""Cell therapy (seed 004) and multi-site shipments (seed 002): decisions and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from qbdkit.core.operations.cell_therapy import (
    SCREENING_MARKERS,
    check_handover,
    donor_eligibility,
    identifier_conflicts,
    late_result,
    pre_administration_check,
    release_decision,
    risk_class,
)
from qbdkit.core.operations.quality import capa_status, closure_blockers, deviation_impact
from qbdkit.core.operations.shipment import receipt_acceptance, temperature_check
from qbdkit.errors import QbdInputError

CHAIN = {"id": "COI-001", "donor_id": "P-17", "collection_id": "AP-2025-0042",
         "batch_id": "B-25-007", "product_ids": ["B-25-007-01", "B-25-007-02"],
         "patient_id": "P-17"}
T0 = dt.datetime(2025, 6, 2, 8, 0)


def test_screening_markers_are_the_seed_list():
    assert SCREENING_MARKERS == ("HIV", "HBV", "HCV", "HTLV", "EBV", "syphilis")


def test_allogeneic_donor_needs_all_negative():
    ok = donor_eligibility("D1", {m: "阴性" for m in SCREENING_MARKERS}, allogeneic=True)
    assert ok.eligible
    bad = donor_eligibility("D2", {**{m: "negative" for m in SCREENING_MARKERS}, "HBV": "阳性"},
                            allogeneic=True)
    assert not bad.eligible and bad.reactive == ["HBV"]
    missing = donor_eligibility("D3", {"HIV": "negative"}, allogeneic=True)
    assert not missing.eligible and "EBV" in missing.missing
    auto = donor_eligibility("P-17", {"HBV": "reactive"}, allogeneic=False)
    assert auto.eligible and any("segregated" in r for r in auto.reasons)
    with pytest.raises(QbdInputError):
        donor_eligibility("D4", {"HIV": "maybe"}, allogeneic=True)


def test_handover_accepted_and_mismatch_refused():
    ok = check_handover(CHAIN, "manufacture", [("collection_id", "AP-2025-0042"),
                                               ("batch_id", "B-25-007")])
    assert ok.accepted and ok.refusal is None
    bad = check_handover(CHAIN, "administration", [("product_id", "B-25-007-01"),
                                                   ("patient_id", "P-18")])
    assert not bad.accepted and "mismatch" in bad.refusal
    assert [(m.field, m.found) for m in bad.mismatches] == [("patient_id", "P-18")]
    missing = check_handover(CHAIN, "receipt", [("collection_id", "AP-2025-0042")])
    assert not missing.accepted and missing.mismatches[0].field == "donor_id"


def test_identifier_scanned_twice_refused():
    twice = check_handover(CHAIN, "fill", [("batch_id", "B-25-007"),
                                           ("product_id", "B-25-007-01"),
                                           ("product_id", "B-25-007-01")])
    assert not twice.accepted and "scanned twice" in twice.refusal
    history = [("administration", "product_id", "B-25-007-01"),
               ("administration", "patient_id", "P-17")]
    again = check_handover(CHAIN, "administration", [("product_id", "B-25-007-01"),
                                                     ("patient_id", "P-17")], history=history)
    assert not again.accepted and "already scanned" in again.refusal
    # the second bag for the same patient is fine
    second = check_handover(CHAIN, "administration", [("product_id", "B-25-007-02"),
                                                      ("patient_id", "P-17")], history=history)
    assert second.accepted
    assert identifier_conflicts(CHAIN, {"B-25-007": "COI-009"}) == [
        "batch_id B-25-007 belongs to chain COI-009"]


def test_release_before_all_results_and_late_failure():
    tests = [{"name": "viability", "status": "pass"},
             {"name": "rapid sterility", "status": "pass"},
             {"name": "sterility (pharmacopoeial)", "status": "pending",
              "required_for_release": False},
             {"name": "RCL culture", "status": "pending", "required_for_release": False}]
    no_sample = release_decision("B-25-007", tests, retained_samples=["RCL culture"])
    assert not no_sample.released and no_sample.pending_without_sample == [
        "sterility (pharmacopoeial)"]
    d = release_decision("B-25-007", tests,
                         retained_samples=["RCL culture", "sterility (pharmacopoeial)"])
    assert d.released and d.before_all_results and d.decision == "released before all results"
    assert not release_decision("B", [{"name": "identity", "status": "fail"}]).released
    assert not release_decision("B", [{"name": "potency", "status": "pending"}]).released
    late = late_result(d, "sterility (pharmacopoeial)", "fail", chains=[CHAIN])
    assert late.follow_up_required and late.patients == ["P-17"]
    assert late.products == ["B-25-007-01", "B-25-007-02"]
    assert any("treating physician" in n for n in late.notify)
    assert any("deviation" in r for r in late.record)
    assert not late_result(d, "RCL culture", "pass").follow_up_required
    with pytest.raises(QbdInputError):
        late_result(d, "viability", "fail")


def log(values, minutes=30):
    return [T0 + dt.timedelta(minutes=minutes * i) for i in range(len(values))], values


def test_temperature_log_and_shipment_without_record():
    times, temps = log([-150, -152, -130, -120, -151])
    r = temperature_check(times, temps, low_c=None, high_c=-135)
    assert not r.passed and len(r.excursions) == 1
    assert r.excursions[0].minutes == 60 and r.excursions[0].extreme_c == -120
    with pytest.raises(QbdInputError) as e:
        temperature_check([], [], low_c=2, high_c=8)
    assert e.value.first.column == "temperature_log"


def test_receipt_acceptance_checklist():
    times, temps = log([4, 5, 6, 5])
    tc = temperature_check(times, temps, low_c=2, high_c=8)
    yes = {k: True for k in ("label_matches_contents", "container_intact",
                             "certificate_of_analysis", "release_certificate",
                             "deviations_changes_communicated")}
    assert receipt_acceptance("S1", yes, tc).accepted
    r = receipt_acceptance("S1", {**yes, "container_intact": False}, tc)
    assert not r.accepted and r.failures == ["container_intact"]
    hold = receipt_acceptance("S1", {"label_matches_contents": True}, tc)
    assert not hold.accepted and "on hold" in hold.decision
    hot = temperature_check(*log([4, 9, 5]), low_c=2, high_c=8)
    assert receipt_acceptance("S1", yes, hot).failures == ["transport_monitoring"]


def test_pre_administration_check():
    tc = temperature_check(*log([-160, -158]), low_c=None, high_c=-135)
    args = dict(at=T0, expiry=T0 + dt.timedelta(days=1), appearance_ok=True, transport=tc,
                label_and_procedure_checked=True)
    ok = pre_administration_check(CHAIN, product_id="B-25-007-01", patient_id="P-17", **args)
    assert ok.passed
    wrong = pre_administration_check(CHAIN, product_id="B-25-007-01", patient_id="P-99", **args)
    assert not wrong.passed and wrong.failures() == ["identity"]
    no_log = pre_administration_check(CHAIN, product_id="B-25-007-01", patient_id="P-17",
                                      **{**args, "transport": None})
    assert no_log.failures() == ["transport temperature record"]
    expired = pre_administration_check(CHAIN, product_id="B-25-007-01", patient_id="P-17",
                                       **{**args, "expiry": T0 - dt.timedelta(minutes=1)})
    assert expired.failures() == ["expiry"]


def test_risk_class():
    car_t = risk_class(autologous=True, minimally_manipulated=False, homologous_function=False,
                       combined_with_other_products=False, genetically_modified=True)
    assert car_t.risk_class == "high" and "genetically manipulated cells" in car_t.reasons
    cik = risk_class(autologous=True, minimally_manipulated=True, homologous_function=True,
                     combined_with_other_products=False, genetically_modified=False)
    assert cik.risk_class == "medium-low"
    allo = risk_class(autologous=False, minimally_manipulated=True, homologous_function=True,
                      combined_with_other_products=False, genetically_modified=False)
    assert allo.risk_class == "high" and allo.reasons == ["allogeneic cells"]


def test_deviation_impact_and_capa():
    imp = deviation_impact("DEV-1", ["vi_ph", "agitation"],
                           parameter_classes={"vi_ph": "CPP", "agitation": "GPP"},
                           links={"vi_ph": ["adventitious_viruses"]}, assigned_class="minor")
    assert imp.final_class == "major" and imp.impacted_cqas == ["adventitious_viruses"]
    assert imp.critical_parameters == ["vi_ph"]
    rep = capa_status([{"id": "C1", "owner": "Li", "due": "2025-05-01"},
                       {"id": "C2", "owner": "Wang", "due": "2025-05-01",
                        "completed": "2025-04-20", "effectiveness_due": "2025-06-01"},
                       {"id": "C3", "owner": "Zhao", "due": "2025-05-01",
                        "completed": "2025-04-20", "effectiveness_checked": "2025-05-20",
                        "effective": True}], dt.date(2025, 5, 10))
    assert [c.status for c in rep.capas] == ["overdue", "awaiting effectiveness check",
                                             "effective"]
    assert rep.overdue == ["C1"]
    with pytest.raises(QbdInputError):
        capa_status([{"id": "C4", "due": "2025-05-01"}], dt.date(2025, 5, 10))
    blockers = closure_blockers({"investigation": "done", "root_cause": "probe drift"},
                                [{"id": "C3", "completed": "x", "effectiveness_checked": "y",
                                  "effective": True, "change": "CC-9"}], {"CC-9": "open"})
    assert blockers == ["change CC-9 linked to CAPA C3 not closed"]
