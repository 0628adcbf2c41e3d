"""`qbdkit ops request|deviation|donor|chain|handover|shipment|release`, `stability study`,
and `--project P --as NAME` on the stability, comparability, change and ops commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qbdkit.services.kinds import get_kind

DATA = Path(__file__).parents[1] / "data"


def _doc(tmp_path: Path, kind: str) -> Path:
    """The kind's example written as a YAML document beside its input files."""
    import yaml

    req = get_kind(kind).example(tmp_path)
    data = json.loads(req.model_dump_json())
    for name in type(req).input_fields():
        value = data.get(name)
        if isinstance(value, str):
            data[name] = Path(value).name
        elif isinstance(value, list):
            data[name] = [Path(v).name for v in value]
    path = tmp_path / f"{kind.split('.')[-1]}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize("kind", ["operations.request", "operations.deviation",
                                  "operations.donor", "operations.chain",
                                  "operations.shipment", "operations.release"])
def test_each_document_command_runs_from_its_yaml(cli, tmp_path, kind):
    doc = _doc(tmp_path, kind)
    out = tmp_path / "page.html"
    r = cli("ops", kind.split(".")[-1], doc, "--json", "--out", out, "--lang", "zh")
    assert r.code == 0, r.err
    again = get_kind(kind).run(get_kind(kind).example(tmp_path))
    assert r.json() == json.loads(json.dumps(again.to_dict()))
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("args", "column"), [
    (("ops", "request", "--id", "R1", "--mode", "commissioned", "--scope", "testing",
      "--received", "2026-03-02"), "client"),
    (("ops", "request", "--id", "R1", "--client", "C", "--mode", "commissioned", "--scope",
      "testing", "--received", "2031-03-03", "--as-of", "2031-03-04"), "intake"),
    (("ops", "maco", "--pde", "0", "--next-batch-size", "10", "--next-max-daily-dose", "1",
      "--shared-area", "100"), "--pde"),
    (("ops", "due", "2035-01-02", "--working-days", "3"), "start"),
])
def test_bad_input_exits_2_with_one_line(cli, args, column):
    r = cli(*args)
    assert r.code == 2, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and f"{column}:" in lines[0], r.err


def test_a_shipment_without_a_temperature_record_exits_2(cli, tmp_path):
    doc = tmp_path / "sh.yaml"
    doc.write_text("id: SH-1\nmaterial: DS\nlot: L1\nfrom_site: A\nto_site: B\n"
                   "shipped: 2026-11-10T06:00:00\n"
                   "conditions: {temperature_low_c: 2, temperature_high_c: 8}\n", "utf-8")
    r = cli("ops", "shipment", doc)
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        "error: temperature_log: shipment without a temperature record: expected time-stamped "
        "readings (inline or a logger file), found 'no readings'"]


def _project(db_url: str, name: str = "cart") -> None:
    from qbdkit.services.projects import create_project

    create_project(name, user="sci", reason="test", url=db_url)


def test_handover_refused_scanned_twice_is_audited_exit_2(cli, tmp_path, db_url, login):
    from qbdkit.services.audit import audit_log
    from qbdkit.services.records import get_record

    _project(db_url)
    login("sci")
    doc = _doc(tmp_path, "operations.chain")
    r = cli("ops", "chain", doc, "--project", "cart", "--as", "COI-0117", "--reason", "new")
    assert r.code == 0, r.err
    assert "stored as operations.chain/COI-0117 v1" in r.err
    r = cli("ops", "handover", "--project", "cart", "--chain", "COI-0117", "--step", "release",
            "--scan", "batch_id=B-0117", "--scan", "product_id=B-0117-01",
            "--scan", "product_id=B-0117-01", "--scan", "patient_id=PT-0117")
    assert r.code == 2
    assert len(r.err.strip().splitlines()) == 1 and "scanned twice" in r.err
    assert get_record("cart", "operations.chain", "COI-0117", url=db_url)["version"] == 1
    entries = [e for e in audit_log("cart", url=db_url).entries
               if e["action"] == "handover.refused"]
    assert len(entries) == 1 and "product_id B-0117-01" in entries[0]["reason"]
    r = cli("ops", "handover", "--project", "cart", "--chain", "COI-0117", "--step", "release",
            "--scan", "batch_id=B-0117", "--scan", "product_id=B-0117-01",
            "--scan", "patient_id=PT-0117", "--at", "2026-11-14T09:00", "--json")
    assert r.code == 0, r.err
    assert r.json()["next_step"] == "shipment"
    assert get_record("cart", "operations.chain", "COI-0117", url=db_url)["version"] == 2


def test_records_stored_by_each_area_and_linked_by_name(cli, tmp_path, db_url, login):
    from qbdkit.services.records import get_record, list_records

    _project(db_url, "mab")
    login("sci")
    common = ("--project", "mab")
    r = cli("stability", "shelf-life", DATA / "stability" / "common_slope.csv", "--time", "month",
            "--value", "potency", "--lower", "95", "--study", "LT-5C", *common, "--as", "DS-potency")
    assert r.code == 0, r.err
    r = cli("change", "classify", "--id", "CC-1", "--type", "scale", "--cqa-impact", "possible",
            "--title", "2000 L → 5000 L", "--link", "comparability.analysis/CC-1", *common,
            "--as", "CC-1")
    assert r.code == 0, r.err
    r = cli("comparability", "analyze", "--pre", DATA / "comparability" / "pre.csv", "--post",
            DATA / "comparability" / "post.csv", "--tier", "hmw=1", "--tier", "potency=2",
            "--change", "CC-1", *common, "--as", "CC-1")
    assert r.code == 0, r.err
    r = cli("ops", "request", "--id", "R1", "--client", "Client A", "--mode", "委托", "--scope",
            "testing", "--received", "2026-03-02", "--as-of", "2026-03-20", *common,
            "--as", "R1", "--json")
    assert r.code == 0, r.err
    assert r.json()["overdue"] is True  # intake due 9 Mar, not done by 20 Mar
    kinds = {(x["kind"], x["key"]) for x in list_records("mab", url=db_url).records}
    assert kinds == {("stability.shelf_life", "DS-potency"), ("change.classification", "CC-1"),
                     ("comparability.analysis", "CC-1"), ("operations.request", "R1")}
    comp = get_record("mab", "comparability.analysis", "CC-1", url=db_url)
    assert comp["content"]["request"]["change"] == "CC-1"
    change = get_record("mab", "change.classification", "CC-1", url=db_url)
    assert change["content"]["result"]["change_class"] == "moderate"
    assert change["content"]["result"]["change"]["linked"] == ["comparability.analysis/CC-1"]


def test_stability_study_command(cli, tmp_path):
    req = get_kind("stability.study").example(tmp_path)
    import yaml

    data = json.loads(req.model_dump_json(exclude={"results_file"}))
    doc = tmp_path / "study.yaml"
    doc.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    r = cli("stability", "study", doc, "--results", req.results_file, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["study"] == "LT-5C" and out["pulls"][9]["days_late"] == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\ncondition: sauna\n", "utf-8")
    r = cli("stability", "study", bad)
    assert r.code == 2 and "condition" in r.err and len(r.err.strip().splitlines()) == 1
