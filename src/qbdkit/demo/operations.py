"""Demo stage: operational records — the mAb project's deviation and PC/PV plan, a CAR-T
project (pilot-platform service requests and KPIs, donor, chain of identity with one refused
hand-over, release before all results) and an ADC project (containment band, cleaning limits,
shipment between sites).

The CAR-T and ADC records go to two more projects, ``demo-car-t`` and ``demo-adc``, created
from their modality templates: a chain of identity or a cytotoxic payload has no place in the
mAb project (see ``car_t/README.md`` and ``adc/README.md``). Data: ``mab/operations/``,
``car_t/``, ``adc/`` (synthetic; PDE and OEL illustrative).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qbdkit.demo.stages import DemoContext

DEMO = Path(__file__).parent
CAR_T_PROJECT = "demo-car-t"
ADC_PROJECT = "demo-adc"
#: the date the demo's documents are evaluated on (overdue flags, CAPA status)
AS_OF = dt.date(2026, 12, 1)
#: the refused hand-over: a bag label of another patient scanned at shipment
WRONG_LABEL = ("patient_id", "PT-0171")


def run(d: DemoContext) -> None:
    _mab(d)
    _car_t(d)
    _adc(d)


def ensure_project(d: DemoContext, name: str, modality: str) -> None:
    """Create project ``name`` from the modality template unless the store has it."""
    from qbdkit.services.projects import import_project, list_projects
    from qbdkit.templates import init_project

    if name in {p["name"] for p in list_projects(url=d.ctx.url).projects}:
        return
    folder = d.out_dir / name
    if not folder.exists():
        init_project(folder, modality, name=name)
    import_project(folder, user=d.ctx.user, reason="qbdkit demo", url=d.ctx.url)


def _store(d: DemoContext, project: str, kind: str, req, name: str, reason: str = "qbdkit demo"):
    from qbdkit.services.records import run_and_store

    result, _ = run_and_store(kind, req, d.ctx, project=project, name=name, reason=reason)
    return result


# ---- mAb project ---------------------------------------------------------------------------

def _mab(d: DemoContext) -> None:
    from qbdkit.services.operations import TimelineRequest
    from qbdkit.services.operations_records import load_document

    dev = d.store("operations.deviation",
                  load_document("operations.deviation",
                                d.project_dir / "operations" / "DEV-2026-031.yaml", as_of=AS_OF),
                  "DEV-2026-031")
    d.say(f"operations: deviation DEV-2026-031 class {dev.impact.final_class}; open: "
          f"{'; '.join(dev.closure_blockers) or 'none'}")
    d.store("operations.timeline", TimelineRequest(template="pcpv-17", start=dt.date(2025, 3, 3)),
            "PC-PV-plan")


# ---- CAR-T project ---------------------------------------------------------------------------

def _car_t(d: DemoContext) -> None:
    from qbdkit.services.documents import read_document
    from qbdkit.services.operations import DueRequest, KpiRequest
    from qbdkit.services.operations_records import (
        HandoverRefused,
        PreAdministration,
        load_document,
        record_handover,
        store_chain,
    )
    from qbdkit.services.records import latest_record

    p, folder = CAR_T_PROJECT, DEMO / "car_t"
    ensure_project(d, p, "car-t")
    kpi = _store(d, p, "operations.kpi", KpiRequest(
        requests=folder / "requests.csv", period="quarter", as_of=AS_OF, year=2026,
        targets={"on_time_rate": 0.9, "scale_up_success_rate": 0.8},
        **read_document(folder / "evaluation_2026.yaml")), "KPI-2026")
    d.say(f"operations: {p}: KPIs of {len(kpi.schedules)} service requests; overdue: "
          f"{', '.join(s.request for s in kpi.schedules if s.overdue) or 'none'}")
    req = _store(d, p, "operations.request",
                 load_document("operations.request", folder / "R-2026-031.yaml", as_of=AS_OF),
                 "R-2026-031")
    d.say(f"operations: {p}: request R-2026-031 at {req.stage}, next due {req.next_due}")
    _store(d, p, "operations.due", DueRequest(start=dt.date(2027, 2, 5), working_days=10,
                                              calendar=folder / "site_calendar_2027.yaml"),
           "R-2026-031-acceptance")
    _store(d, p, "operations.donor",
           load_document("operations.donor", folder / "donor_PT-0117.yaml"), "PT-0117")
    # the chain: stored up to fill, then hand-over by hand-over
    chain = load_document("operations.chain", folder / "COI-0117.yaml")
    store_chain(chain, d.ctx, project=p, name="COI-0117", reason="qbdkit demo")
    ok_ids = [("product_id", "CT-26-0117-01"), ("patient_id", "PT-0117")]
    record_handover(p, "COI-0117", "release", [("batch_id", "CT-26-0117"), *ok_ids],
                    ctx=d.ctx, at=dt.datetime(2026, 11, 20, 16, 0), reason="released")
    try:
        record_handover(p, "COI-0117", "shipment", [ok_ids[0], WRONG_LABEL], ctx=d.ctx,
                        at=dt.datetime(2026, 11, 23, 7, 25))
    except HandoverRefused as exc:
        d.say(f"operations: {p}: hand-over refused and audited — {exc.first.message}")
    else:  # pragma: no cover - the demo's point
        raise AssertionError("the mismatched label was accepted")
    record_handover(p, "COI-0117", "shipment", ok_ids, ctx=d.ctx,
                    at=dt.datetime(2026, 11, 23, 7, 30), reason="shipped to the clinical site")
    # the product arrives at the clinical site: the transport log and the bedside check join
    # the chain's document (its next version)
    stored = latest_record(p, "operations.chain", "COI-0117", url=d.ctx.url)
    request = dict(stored["content"]["request"])
    request.update(pre_administration=PreAdministration(
        **read_document(folder / "pre_administration_COI-0117.yaml")),
        transport_log=folder / "transport_COI-0117.csv")
    updated = type(chain)(**request)
    store_chain(updated, d.ctx, project=p, name="COI-0117",
                reason="product received at the clinical site: transport log, bedside check")
    state, _ = record_handover(p, "COI-0117", "administration", ok_ids, ctx=d.ctx,
                               at=dt.datetime(2026, 11, 24, 10, 40), reason="administered")
    d.say(f"operations: {p}: chain COI-0117 complete: {state.complete}")
    rel = _store(d, p, "operations.release",
                 load_document("operations.release", folder / "release_CT-26-0117.yaml"),
                 "CT-26-0117")
    d.say(f"operations: {p}: batch CT-26-0117 {rel.decision.decision}")


# ---- ADC project ---------------------------------------------------------------------------

#: illustrative hazard values of an auristatin-type payload (not a toxicological assessment)
PAYLOAD_OEL_UG_M3 = 0.02
PAYLOAD_PDE_MG_DAY = 0.001
#: the next product made on the dedicated train: another ADC drug substance
NEXT_BATCH_MG = 1.5e6
NEXT_BATCH_KG = 1.5
NEXT_MAX_DAILY_DOSE_MG = 252.0        # 3.6 mg/kg × 70 kg
ANTIBODY_MIN_DAILY_DOSE_MG = 70.0     # smallest therapeutic dose of the antibody residue


def _adc(d: DemoContext) -> None:
    from qbdkit.services.operations import ContainmentRequest, MacoRequest
    from qbdkit.services.operations_records import load_document

    p, folder = ADC_PROJECT, DEMO / "adc"
    ensure_project(d, p, "adc")
    band = _store(d, p, "operations.containment",
                  ContainmentRequest(oel_ug_m3=PAYLOAD_OEL_UG_M3, cytotoxic=True), "payload")
    train = folder / "conjugation_train.csv"
    common = dict(next_batch_size=NEXT_BATCH_MG, next_max_daily_dose=NEXT_MAX_DAILY_DOSE_MG,
                  next_batch_kg=NEXT_BATCH_KG, equipment=train, swab_area_cm2=25.0,
                  recovery=0.8, extraction_volume_ml=10.0, visual_limit_ug_cm2=4.0)
    payload = _store(d, p, "operations.maco", MacoRequest(
        residue="payload (auristatin type)", pde_mg_per_day=PAYLOAD_PDE_MG_DAY, **common),
        "payload")
    _store(d, p, "operations.maco", MacoRequest(
        residue="antibody (protein residue)",
        therapeutic_dose_mg_per_day=ANTIBODY_MIN_DAILY_DOSE_MG, **common), "antibody")
    d.say(f"operations: {p}: payload {band.band}; MACO {payload.governing_maco_mg:g} mg "
          f"({payload.governing}), swab limit {payload.governing_swab_limit_mg:.3g} mg/25 cm²")
    ship = _store(d, p, "operations.shipment",
                  load_document("operations.shipment", folder / "SH-2026-044.yaml"),
                  "SH-2026-044")
    d.say(f"operations: {p}: shipment SH-2026-044 {ship.receipt.decision}")
