"""Spec/PPQ use cases: files in, results out; kinds registered."""

from __future__ import annotations

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services import ppq as svc
from qbdkit.services.kinds import all_kinds, get_kind


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def files(tmp_path):
    rel = _write(tmp_path / "release.csv",
                 "批号,纯度,临床\nB1,98.1,是\nB1,98.3,是\nB2,97.9,否\nB2,98.0,否\n"
                 "B3,98.6,是\nB3,98.4,是\nB4,98.2,否\nB4,98.1,否\n", "gb18030")
    attrs = _write(tmp_path / "attributes.csv",
                   "质量属性,类型,工序,下限,上限,单位\nSEC monomer,cqa,release,95,,%\n"
                   "Bioburden,ipc,Protein A,,10,CFU/10 mL\n")
    params = _write(tmp_path / "parameters.csv",
                    "参数,工序,分类,设定值,NOR下限,NOR上限,PAR下限,PAR上限\n"
                    "Elution pH,Protein A,CPP,3.6,3.5,3.7,3.4,3.8\n")
    results = _write(tmp_path / "results.csv",
                     "batch,item,value\n"
                     + "".join(f"P{b},SEC monomer,{v}\n" for b, v in ((1, 98.9), (2, 99.1), (3, 98.7)))
                     + "".join(f"P{b},Bioburden,{v}\n" for b, v in ((1, 0), (2, 1), (3, 0)))
                     + "".join(f"P{b},Elution pH,{v}\n" for b, v in ((1, 3.6), (2, 3.62), (3, 3.58))))
    vc = _write(tmp_path / "clearance.csv",
                "工序,机制,病毒,上样滴度,上样体积,产物滴度,产物体积\n"
                "Low pH,low pH,XMuLV,6.0,110,1.2,115\nAEX,anion exchange,XMuLV,6.3,120,1.0,150\n"
                "Nanofiltration,size exclusion,XMuLV,6.4,140,1.0,160\n")
    return {"release": rel, "attributes": attrs, "parameters": params, "results": results,
            "clearance": vc}


def test_kinds_registered():
    names = {k.name for k in all_kinds()}
    assert {"spec.tolerance", "spec.proposal", "ppq.protocol", "ppq.evaluation",
            "ppq.clearance"} <= names
    assert get_kind("ppq.clearance").title["zh"] == "病毒清除"


def test_tolerance_from_gb18030_file_and_factor(files):
    ti = svc.tolerance(svc.ToleranceRequest(file=files["release"], column="纯度"))
    assert ti.n == 8 and ti.method == "exact"
    re = svc.tolerance(svc.ToleranceRequest(file=files["release"], column="纯度",
                                            batch_column="批号"))
    assert re.method == "hoffman-kringle" and re.n_batches == 4
    k = svc.tolerance(svc.ToleranceRequest(n=10, coverage=0.95, confidence=0.95))
    assert k.k == pytest.approx(3.39343, abs=1e-5)  # ISO 16269-6 F.5: 3.3935 (rounded up)


def test_tolerance_bad_input(files, tmp_path):
    one = _write(tmp_path / "one.csv", "x\n1.5\n\n")
    with pytest.raises(QbdInputError) as err:
        svc.tolerance(svc.ToleranceRequest(file=one, column="x"))
    p = err.value.first
    assert (p.file, p.row, p.column) == (str(one), 1, "x") and "fewer than 2" in p.message
    with pytest.raises(QbdInputError) as err:
        svc.tolerance(svc.ToleranceRequest(n=10, coverage=1.2))
    assert err.value.first.column == "coverage"
    bad = _write(tmp_path / "bad.csv", "x\n1.5\nabc\n2\n")
    with pytest.raises(QbdInputError) as err:
        svc.tolerance(svc.ToleranceRequest(file=bad, column="x"))
    assert (err.value.first.row, err.value.first.column) == (3, "x")


def test_spec_proposal_with_clinical_flag(files):
    res = svc.spec_proposal(svc.SpecProposalRequest(
        release=files["release"], column="纯度", batch_column="批号", clinical_flag="临床",
        direction="lower", guidance_lower=95, guidance_source="template", unit="%"))
    assert res.clinical["n"] == 4 and res.clinical["min"] == 98.1
    assert res.method == "random-effects" and res.proposed_lower is not None


def test_protocol_and_evaluation(files):
    proto = svc.ppq_protocol(svc.PPQProtocolRequest(attributes=files["attributes"],
                                                    parameters=files["parameters"]))
    assert proto.n_batches == 3 and len(proto.acceptance) == 3
    ev = svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"],
                                                 attributes=files["attributes"],
                                                 parameters=files["parameters"],
                                                 batches=["P1", "P2", "P3"]))
    assert ev.passed and len(ev.checks) == 9
    with pytest.raises(QbdInputError) as err:
        svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"],
                                                attributes=files["attributes"],
                                                parameters=files["parameters"],
                                                batches=["P1", "P2"]))
    p = err.value.first
    assert (p.file, p.column) == (str(files["results"]), "batch") and p.row == 4


def test_clearance_chinese_headers(files):
    res = svc.clearance(svc.ClearanceRequest(file=files["clearance"], particles_per_ml=1e6,
                                             volume_per_dose_ml=1e3))
    assert res.safety.meets_target and len(res.viruses[0]["counted_steps"]) == 3


def test_evaluation_against_a_criteria_table_and_known_batches(files, tmp_path):
    crit = _write(tmp_path / "criteria.csv",
                  "item,kind,unit_operation,lower,upper,unit,criterion\n"
                  "SEC monomer,cqa,release,95,,%,≥ 95 %\nBioburden,ipc,Protein A,,10,CFU/10 mL,\n"
                  "Elution pH,cpp,Protein A,3.4,3.8,,\n")
    ev = svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"], criteria=crit,
                                                 known_batches=["P1", "P2", "P3", "P4"]))
    assert ev.passed and ev.batches == ["P1", "P2", "P3"]
    assert {i["item"]: i["criterion"] for i in ev.items}["Elution pH"] == "3.4 – 3.8"
    with pytest.raises(QbdInputError) as e:
        svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"], criteria=crit,
                                                known_batches=["P1", "P3"]))
    assert [(p.row, p.column, p.found) for p in e.value.problems] == [
        (3, "batch", "P2"), (6, "batch", "P2"), (9, "batch", "P2")]
    blank = _write(tmp_path / "blank.csv", "batch,item,value\nP1,SEC monomer,99\n,SEC monomer,98\n")
    with pytest.raises(QbdInputError) as e:
        svc.ppq_evaluate(svc.PPQEvaluateRequest(results=blank, criteria=crit))
    assert (e.value.first.row, e.value.first.column) == (3, "batch")
    with pytest.raises(QbdInputError, match="no acceptance criteria"):
        svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"]))
    no_limit = _write(tmp_path / "c2.csv", "item,lower,upper\nSEC monomer,,\n")
    with pytest.raises(QbdInputError) as e:
        svc.ppq_evaluate(svc.PPQEvaluateRequest(results=files["results"], criteria=no_limit))
    assert (e.value.first.row, e.value.first.column) == (2, "lower/upper")


def test_protocol_accepts_a_text_criterion(files, tmp_path):
    attrs = _write(tmp_path / "a.csv", "name,kind,unit_operation,lower,upper,criterion\n"
                   "Identity,cqa,release,,,conforms to reference standard\n"
                   "Purity,cqa,release,95,,\nPotency,cqa,release,,,\n")
    with pytest.raises(QbdInputError) as e:
        svc.ppq_protocol(svc.PPQProtocolRequest(attributes=attrs,
                                                parameters=files["parameters"]))
    assert e.value.first.row == 4 and "no acceptance criterion" in e.value.first.message
    attrs.write_text("name,kind,unit_operation,lower,upper,criterion\n"
                     "Identity,cqa,release,,,conforms to reference standard\n"
                     "Purity,cqa,release,95,,\n", encoding="utf-8")
    prot = svc.ppq_protocol(svc.PPQProtocolRequest(attributes=attrs,
                                                   parameters=files["parameters"]))
    ident = next(a for a in prot.acceptance if a["item"] == "Identity")
    assert ident["criterion"] == "conforms to reference standard" and ident["lower"] is None
    assert "Identity" not in {c["item"] for c in prot.criteria()}
