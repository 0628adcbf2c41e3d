"""The control strategy table, its named checks (each can fail), bad input naming file, row
and column, and the hand-over tables for PPQ and CPV."""

from __future__ import annotations

import pandas as pd
import pytest

from qbdkit.core.control import (
    CHECKS,
    ControlStrategy,
    control_strategy,
    cpv_items,
    ppq_tables,
    range_text,
    spec_of,
)
from qbdkit.core.control.strategy import (
    CHECK_CLASSIFIED,
    CHECK_CQA,
    CHECK_RANGES,
    CHECK_SOURCE,
    CHECK_WC,
)
from qbdkit.errors import QbdInputError

P_COLS = ["unit_operation", "name", "label", "unit", "class", "set_point", "nor_low",
          "nor_high", "par_low", "par_high", "studied_low", "studied_high", "justification",
          "sources"]


def _params(*rows):
    return pd.DataFrame([dict(zip(P_COLS, r, strict=True)) for r in rows])


GOOD = [
    ("bioreactor", "temperature", "Temperature", "°C", "CPP", 36.0, 35.5, 36.5, 35.0, 37.0,
     35.0, 37.0, "", "doe.analysis/a v1"),
    ("bioreactor", "duration", "Culture duration", "d", "WC-CPP", 14.0, 13.5, 14.5, 13.0, 15.0,
     12.0, 16.0, "fixed harvest day", "study doe"),
    ("bioreactor", "agitation", "Agitation", "rpm", "GPP", 110, 100, 120, 90, 130, 80, 140, "",
     ""),
    ("protein_a", "load", "Load", "g/L", "KPP", 35, 30, 40, 20, 45, 10, 50, "", ""),
    ("protein_a", "flow", "Flow", "cm/h", "", None, None, None, None, None, None, None, "", ""),
]
ATTRS = pd.DataFrame([
    {"name": "aggregates", "label": "Aggregates", "unit": "%", "cqa": "yes"},
    {"name": "hcp", "label": "HCP", "unit": "ng/mg", "cqa": "yes"},
    {"name": "bioburden", "label": "Bioburden", "unit": "CFU/10 mL", "cqa": "no"},
])
LINKS = pd.DataFrame([
    {"parameter": "temperature", "attribute": "aggregates", "source": "C&E", "strength": "9",
     "reference": "risk.ce/ce v1"},
    {"parameter": "temperature", "attribute": "aggregates", "source": "DoE",
     "strength": "40 % of spec", "reference": "doe.reassess/r v1"},
    {"parameter": "duration", "attribute": "hcp", "source": "C&E", "strength": "3"},
    {"parameter": "load", "attribute": "titre", "source": "C&E", "strength": "3"},
])
TESTS = pd.DataFrame([
    {"attribute": "aggregates", "element": "release", "stage": "DS release", "upper": 3.0,
     "method": "SEC"},
    {"attribute": "aggregates", "element": "stability", "upper": 5.0},
    {"attribute": "hcp", "element": "放行", "upper": 100},
    {"attribute": "bioburden", "element": "ipc", "unit_operation": "protein_a", "upper": 10},
])


def _cs(params=None, **kw) -> ControlStrategy:
    return control_strategy(_params(*(params or GOOD)), ATTRS, LINKS, controls=TESTS,
                            unit_operations=["seed", "bioreactor", "protein_a"], **kw)


def _check(cs: ControlStrategy, name: str) -> dict:
    return next(c for c in cs.checks if c["name"] == name)


def test_table_per_unit_operation_and_checks_pass():
    cs = _cs(project="p", built_from=["project p v1"])
    assert cs.passed and [c["name"] for c in cs.checks] == list(CHECKS)
    assert cs.unit_operations == ["seed", "bioreactor", "protein_a"]
    steps = [r["unit_operation"] for r in cs.rows]
    # process order, then the IPC at its step, then release and stability tests
    assert steps == sorted(steps, key=lambda s: ["bioreactor", "protein_a", "in-process",
                                                 "release", "stability"].index(s))
    temp = next(r for r in cs.rows if r["parameter"] == "temperature")
    assert (temp["attribute"], temp["class"], temp["nor"], temp["par"], temp["studied"]) == (
        "aggregates", "CPP", [35.5, 36.5], [35.0, 37.0], [35.0, 37.0])
    assert temp["links"] == "C&E 9 (risk.ce/ce v1); DoE 40 % of spec (doe.reassess/r v1)"
    assert temp["element"] == "monitoring"
    agi = next(r for r in cs.rows if r["parameter"] == "agitation")  # classified, unlinked
    assert agi["attribute"] == "" and agi["element"] == "procedural"
    assert not any(r["parameter"] == "flow" for r in cs.rows)  # no class, no link
    assert any("left out" in n for n in cs.notes)
    titre = next(a for a in cs.attributes if a["name"] == "titre")
    assert titre["performance"] and not titre["cqa"]
    bio = next(r for r in cs.rows if r["attribute"] == "bioburden")
    assert (bio["unit_operation"], bio["element"], bio["control"]) == (
        "protein_a", "ipc", "≤ 10 CFU/10 mL")
    agg = next(a for a in cs.attributes if a["name"] == "aggregates")
    assert agg["spec"]["upper"] == 3.0 and agg["spec"]["element"] == "release"
    assert ControlStrategy.from_dict(cs.to_dict()).to_dict() == cs.to_dict()
    assert "checks passed" in cs.summary() and cs.built_from == ["project p v1"]


def test_each_check_fails_by_name():
    bad = [list(r) for r in GOOD]
    bad[0][6] = 34.5         # NOR low below the PAR
    bad[0][13] = ""          # temperature without a study record
    bad[1][12] = ""          # WC-CPP without justification
    bad[1][11] = 14.8        # and a studied range that ends inside its PAR
    cs = control_strategy(_params(*map(tuple, bad)), ATTRS, LINKS)  # no tests at all
    assert not cs.passed
    assert not _check(cs, CHECK_RANGES)["passed"] and not _check(cs, CHECK_SOURCE)["passed"]
    assert not _check(cs, CHECK_WC)["passed"]
    text = " ".join(cs.failures_text())
    assert "temperature: NOR 34.5–36.5 is not inside PAR 35–37." in text
    assert "duration: PAR 13–15 is not inside studied range 12–14.8." in text
    assert "temperature: CPP without a study record behind it." in text
    assert "duration: WC-CPP without a justification." in text
    # a CQA controlled only by a CPP passes; hcp (WC-CPP link) passes too; with no link and
    # no test it fails
    assert _check(cs, CHECK_CQA)["passed"]
    no_links = control_strategy(_params(*GOOD), ATTRS, LINKS.iloc[:0])
    assert not _check(no_links, CHECK_CQA)["passed"]
    assert "aggregates: no test and no CPP controls this CQA." in no_links.failures_text()
    zh = no_links.failures_text("zh")
    assert zh and all("CQA" in s for s in zh)


def test_linked_parameter_without_class_fails():
    rows = [list(r) for r in GOOD]
    rows[4] = list(rows[4])
    links = pd.concat([LINKS, pd.DataFrame([{"parameter": "flow", "attribute": "hcp"}])])
    cs = control_strategy(_params(*map(tuple, rows)), ATTRS, links)
    assert not _check(cs, CHECK_CLASSIFIED)["passed"]
    assert cs.failures_text() == ["flow: affects hcp but has no class."]


def test_missing_range_pieces_are_named():
    rows = [list(r) for r in GOOD]
    rows[0][5:12] = [None] * 7
    cs = control_strategy(_params(*map(tuple, rows)), ATTRS, LINKS, controls=TESTS)
    text = cs.failures_text()
    assert [f"temperature: no {w}." for w in ("set point", "NOR", "PAR", "studied range")] == \
        [t for t in text if t.startswith("temperature: no")]


def test_controls_table_sets_element_class_justification_sources_and_links():
    controls = pd.concat([TESTS, pd.DataFrame([
        {"parameter": "load", "unit_operation": "protein_a", "element": "procedural",
         "class": "WC-CPP", "description": "two-person check", "justification": "verified",
         "sources": "study resin; study dbc", "attribute": "hcp"}])])
    cs = control_strategy(_params(*GOOD), ATTRS, LINKS, controls=controls)
    load = next(p for p in cs.parameters if p["name"] == "load")
    assert (load["class"], load["class_source"], load["element"], load["control"],
            load["justification"], load["sources"]) == (
        "WC-CPP", "controls table", "procedural", "two-person check", "verified",
        ["study resin", "study dbc"])
    assert load["attributes"] == ["hcp", "titre"] and load["links"]["hcp"] == "controls table"


def test_item_names_unique_across_unit_operations():
    rows = [*GOOD, ("seed", "temperature", "Temperature", "°C", "GPP", 37.0, None, None, None,
                    None, None, None, "", "")]
    cs = control_strategy(_params(*rows), ATTRS, LINKS.iloc[:0])
    assert {p["item"] for p in cs.parameters if p["name"] == "temperature"} == {
        "seed.temperature", "bioreactor.temperature"}


def test_bad_input_names_file_row_and_column():
    rows = [list(r) for r in GOOD]
    rows[2][4] = "CCP"
    df = _params(*map(tuple, rows)).assign(_row=[2, 3, 4, 5, 6])
    with pytest.raises(QbdInputError) as e:
        control_strategy(df, ATTRS, LINKS, files={"parameters": "parameters.csv"})
    p = e.value.first
    assert (p.file, p.row, p.column, p.found) == ("parameters.csv", 4, "class", "CCP")
    with pytest.raises(QbdInputError, match="unknown parameter"):
        control_strategy(_params(*GOOD), ATTRS, pd.DataFrame([{"parameter": "pH",
                                                                 "attribute": "hcp"}]))
    with pytest.raises(QbdInputError, match="unknown control element"):
        control_strategy(_params(*GOOD), ATTRS, LINKS,
                         controls=pd.DataFrame([{"attribute": "hcp", "element": "magic"}]))
    with pytest.raises(QbdInputError, match="without an acceptance criterion"):
        control_strategy(_params(*GOOD), ATTRS, LINKS,
                         controls=pd.DataFrame([{"attribute": "hcp", "element": "release"}]))
    with pytest.raises(QbdInputError, match="lower limit above upper"):
        control_strategy(_params(*GOOD), ATTRS, LINKS, controls=pd.DataFrame(
            [{"attribute": "hcp", "element": "release", "lower": 5, "upper": 1}]))


def test_spec_of_prefers_release_then_ipc_then_stability():
    a = {"controls": [
        {"element": "stability", "lower": None, "upper": 5.0},
        {"element": "ipc", "lower": None, "upper": 4.0},
        {"element": "release", "lower": None, "upper": None, "criterion": "report"},
        {"element": "release", "lower": None, "upper": 3.0}]}
    assert spec_of(a)["upper"] == 3.0
    assert spec_of({"controls": a["controls"][:2]})["upper"] == 4.0
    assert spec_of({"controls": [a["controls"][2]]}) is None


def test_handover_tables_for_ppq_and_cpv():
    cs = _cs()
    attrs, params = ppq_tables(cs)
    assert attrs.set_index("name").loc["aggregates", ["kind", "unit_operation", "upper"]] \
        .tolist() == ["cqa", "release", 3.0]
    assert attrs.set_index("name").loc["bioburden", ["kind", "unit_operation"]].tolist() == [
        "ipc", "protein_a"]
    assert set(params["name"]) == {"temperature", "duration", "agitation", "load"}
    t = params.set_index("name").loc["temperature"]
    assert (t["class"], t["par_low"], t["par_high"], t["nor_low"]) == ("CPP", 35.0, 37.0, 35.5)
    items = cpv_items(cs.to_dict()).set_index("item")
    assert set(items.index) == {"temperature", "duration", "load", "aggregates", "hcp"}
    assert items.loc["duration", "kind"] == "CPP" and items.loc["load", "kind"] == "KPP"
    assert items.loc["hcp", "usl"] == 100 and items.loc["temperature", "par_high"] == 37.0
    assert items.loc["temperature", "unit_operation"] == "bioreactor"


def test_range_text():
    assert range_text([1.0, 2.5], "%") == "1–2.5 %"
    assert range_text([None, 3.0]) == "≤ 3" and range_text([90.0, None]) == "≥ 90"
    assert range_text(None) == ""
