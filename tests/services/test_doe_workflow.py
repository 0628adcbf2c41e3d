"""The wizard's joins: upload checks, a design from the project, run sheet, analysis of the
uploaded results with the design's definitions, and the design space as a job."""

from __future__ import annotations

import csv
import io

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services import jobs
from qbdkit.services.base import Context
from qbdkit.services.doe_workflow import (
    MAX_UPLOAD_BYTES,
    analyse_upload,
    analysis_specs,
    candidate_factors,
    check_upload,
    design_request,
    run_sheet,
    submit_design_space,
)
from qbdkit.services.records import latest_record, run_and_store


def test_upload_checks_name_the_file_and_what_was_expected():
    assert check_upload("runs.CSV", b"a,b\n1,2\n") == ".csv"
    cases = [("runs.exe", b"MZ", "unsupported file type"),
             ("runs.csv", b"", "the file is empty"),
             ("runs.xlsx", b"a,b\n", "not an Excel workbook"),
             ("runs.csv", b"PK\x03\x04rest", "not a text CSV file"),
             ("runs.csv", b"x" * (MAX_UPLOAD_BYTES + 1), "the file is too large")]
    for name, data, message in cases:
        with pytest.raises(QbdInputError) as err:
            check_upload(name, data)
        assert err.value.first.message == message
        assert err.value.first.file == name and err.value.first.column == "file"


@pytest.fixture
def project(db_url, make_team):
    from qbdkit.services.projects import create_project
    from qbdkit.templates import new_project

    make_team(db_url)
    doc = new_project("mab", name="mAb-1", lang="en").model_dump(mode="json")
    create_project("mAb-1", user="sci", reason="new programme", document=doc)
    return "mAb-1"


def _filled(data: bytes, bad: bool = False) -> bytes:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    for i, r in enumerate(rows):
        t = (float(r["Temperature"]) - 35) / 1.0
        p = (float(r["pH"]) - 6.85) / 0.25
        r["Aggregates (HMW) (%)"] = f"{2 + 0.3 * t + 0.2 * p + 0.2 * t * t + 0.01 * (i % 3):.3f}"
    if bad:
        rows[1]["Aggregates (HMW) (%)"] = "abc"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_design_run_sheet_upload_analysis_and_design_space_job(project, db_url):
    ctx = Context(user="sci", url=db_url)
    cand = candidate_factors(project, ctx)
    bio = next(g for g in cand["unit_operations"] if g["name"] == "production_bioreactor")
    assert {"Temperature", "pH"} <= {p["factor"] for p in bio["parameters"]}
    req, _ = design_request(project, ["Temperature", "pH"], "production_bioreactor", "ccd", ctx)
    run_and_store("doe.design", req, ctx, project=project, name="rsm", reason="r")
    name, data, media = run_sheet(project, "rsm", "csv", ctx)
    assert name == "mAb-1-rsm-runs.csv" and media == "text/csv"
    xname, xdata, _ = run_sheet(project, "rsm", "xlsx", ctx)
    assert xname.endswith(".xlsx") and xdata[:4] == b"PK\x03\x04"
    with pytest.raises(QbdInputError) as err:
        analyse_upload(project, "rsm", "results.csv", _filled(data, bad=True), ctx)
    first = err.value.first
    assert (first.file, first.row, first.column) == ("results.csv", 3, "Aggregates (HMW) (%)")
    assert latest_record(project, "doe.analysis", "rsm", url=db_url) is None
    stored = analyse_upload(project, "rsm", "results.csv", _filled(data), ctx, model="quadratic")
    assert (stored.kind, stored.key, stored.version) == ("doe.analysis", "rsm", 1)
    # the template's attributes carry no acceptance criteria yet: no default specification
    assert analysis_specs(project, "rsm", ctx) == []
    job = submit_design_space(project, "rsm", ctx, draws=300, grid=5,
                              specs=["Aggregates (HMW) (%) <= 3"],
                              control_sd={"Temperature": 0.1})
    st = jobs.wait(job, 240)
    assert st.state == "done", st
    rec = latest_record(project, "doe.design_space", "rsm", url=db_url)
    assert rec["content"]["request"]["control_sd"] == {"Temperature": 0.1}
    assert rec["content"]["result"]["nor"] is not None
    for bad in ({"draws": 10 ** 6}, {"grid": 500}, {"min_probability": 1.5}):
        with pytest.raises(QbdInputError) as err:
            submit_design_space(project, "rsm", ctx, **bad)
        assert err.value.first.column == next(iter(bad))
    with pytest.raises(QbdInputError):
        design_request(project, [], "production_bioreactor", "ccd", ctx)
    with pytest.raises(QbdInputError) as err:
        design_request(project, ["Temperature"], "production_bioreactor", "nope", ctx)
    assert err.value.first.column == "type"
