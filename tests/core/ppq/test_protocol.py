"""PPQ protocol content from plain inputs."""

import pandas as pd
import pytest

from qbdkit.core.ppq import STUDIES, ppq_batch_count, ppq_protocol
from qbdkit.errors import QbdInputError

ATTRS = pd.DataFrame([
    {"name": "SEC monomer", "kind": "cqa", "unit_operation": "release", "lower": 95.0,
     "upper": None, "unit": "%", "method": "SEC-HPLC"},
    {"name": "Bioburden", "kind": "ipc", "unit_operation": "Protein A", "lower": None,
     "upper": 10.0, "unit": "CFU/10 mL"},
    {"name": "Fill volume", "kind": "ipc", "unit_operation": "Filling", "lower": 10.0,
     "upper": 10.4, "unit": "mL", "sample_point": "beginning/middle/end",
     "samples_per_batch": 3},
])
PARAMS = pd.DataFrame([
    {"name": "Elution pH", "unit_operation": "Protein A", "class": "CPP", "set_point": 3.6,
     "nor_low": 3.5, "nor_high": 3.7, "par_low": 3.4, "par_high": 3.8, "unit": ""},
    {"name": "Temperature", "unit_operation": "Bioreactor", "class": "GPP", "set_point": 36.5,
     "nor_low": 36.0, "nor_high": 37.0},
])


def test_protocol_tables():
    p = ppq_protocol(ATTRS, PARAMS, unit_operations=["Bioreactor", "Protein A", "Filling"],
                     batch_count=ppq_batch_count(requested=4))
    assert p.n_batches == 4 and p.unit_operations == ["Bioreactor", "Protein A", "Filling",
                                                      "release"]
    acc = {a["item"]: a for a in p.acceptance}
    assert acc["SEC monomer"]["criterion"] == "≥ 95 %" and acc["SEC monomer"]["basis"] == "specification"
    assert acc["Elution pH"]["criterion"] == "3.4 – 3.8" and acc["Elution pH"]["basis"] == "PAR"
    assert acc["Temperature"]["basis"] == "NOR" and acc["Bioburden"]["basis"] == "IPC limit"
    assert [a["unit_operation"] for a in p.acceptance] == [
        "Bioreactor", "Protein A", "Protein A", "Filling", "release"]
    fill = next(s for s in p.sampling if s["item"] == "Fill volume")
    assert fill["samples_per_batch"] == 3 and fill["total_samples"] == 12
    assert next(s for s in p.sampling if s["item"] == "Elution pH")["sample_point"] == "batch record"
    assert {c["item"] for c in p.criteria()} == set(acc)


def test_studies_checklist_from_seed_000():
    p = ppq_protocol(ATTRS, PARAMS)
    ids = [s["id"] for s in p.studies]
    assert len(ids) == len(STUDIES) == 25
    for must in ("hold-times", "mixing", "resin-lifetime", "membrane-lifetime", "filter",
                 "viral-clearance", "shipping", "cleaning", "container-closure"):
        assert must in ids
    assert sum(s["source"] == "seed 000 table 1" for s in p.studies) == 10
    assert sum(s["source"] == "seed 000 table 2" for s in p.studies) == 10
    assert all(s["status"] == "open" and s["owner"] == "" for s in p.studies)
    upd = pd.DataFrame([{"id": "filter", "owner": "QC micro", "status": "done", "_row": 2},
                        {"id": "x-ray", "study": "Extra study", "_row": 3}])
    p2 = ppq_protocol(ATTRS, PARAMS, studies=upd)
    f = next(s for s in p2.studies if s["id"] == "filter")
    assert (f["owner"], f["status"]) == ("QC micro", "done")
    assert p2.studies[-1]["study"] == "Extra study"


def test_cqa_without_criterion_and_cpp_without_par():
    bad_a = ATTRS.copy()
    bad_a.loc[0, "lower"] = None
    bad_a["_row"] = [2, 3, 4]
    with pytest.raises(QbdInputError) as err:
        ppq_protocol(bad_a, PARAMS, files={"attributes": "attrs.csv"})
    p = err.value.first
    assert (p.file, p.row, p.column) == ("attrs.csv", 2, "lower/upper")
    bad_p = PARAMS.copy()
    bad_p.loc[0, ["par_low", "par_high"]] = None
    with pytest.raises(QbdInputError) as err:
        ppq_protocol(ATTRS, bad_p, files={"parameters": "params.csv"})
    p = err.value.first
    assert (p.file, p.row, p.column) == ("params.csv", 2, "par_low/par_high")
    with pytest.raises(QbdInputError):
        ppq_protocol(ATTRS, PARAMS, studies=pd.DataFrame([{"id": "nope"}]))
    with pytest.raises(QbdInputError):
        ppq_protocol(ATTRS, PARAMS, studies=pd.DataFrame([{"id": "filter", "status": "late"}]))
