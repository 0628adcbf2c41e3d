"""Schema coercions and consistency checks on in-memory projects."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from qbdkit.model import (
    Batch,
    Label,
    Material,
    MaterialAttribute,
    Measurement,
    Parameter,
    Process,
    Product,
    Project,
    QualityAttribute,
    Range,
    Study,
    UnitOperation,
    check_parameter,
    check_project,
)


def test_label_from_text():
    assert Label.model_validate("温度") == Label(zh="温度")
    assert Label.model_validate("Temperature") == Label(en="Temperature")
    assert Label(en="T", zh="温度").text("zh") == "温度"
    assert Label(en="T").text("zh") == "T"


def test_range_forms_and_unit_normalisation():
    assert Range.model_validate([1, 2]) == Range(low=1, high=2)
    assert Range.model_validate([1, 2, "degC"]) == Range(low=1, high=2, unit="°C")
    with pytest.raises(ValidationError):
        Range.model_validate([1, 2, 3, 4])
    with pytest.raises(ValidationError):
        Range(low=float("inf"), high=1)
    assert Range(low=1, high=3).within(Range(low=None, high=3))
    assert not Range(low=None, high=3).within(Range(low=0, high=5))


@pytest.mark.parametrize(("text", "kind"), [
    ("ppq", "PPQ"), ("工艺验证", "PPQ"), ("At scale", "at-scale"), ("规模化", "at-scale"),
    ("小试", "small-scale"), ("scale-down", "small-scale"), ("临床", "clinical"),
])
def test_batch_kind_aliases(text, kind):
    assert Batch(id="B", kind=text).kind == kind


def test_batch_and_measurement_cells():
    b = Batch(id=17, kind="clinical", date="2024-01-05 00:00:00", extra={"x": "", "y": 3})
    assert (b.id, b.date, b.extra) == ("17", dt.date(2024, 1, 5), {"y": "3"})
    assert Measurement(batch="B", name="x", value="1,234.5").value == 1234.5
    assert Measurement(batch="B", name="x", value="1,2").value == "1,2"  # not a thousands group
    assert Measurement(batch="B", name="x", value="conforms").value == "conforms"
    assert Measurement(batch="B", name="x", value=" ").value is None
    with pytest.raises(ValidationError):
        Measurement(batch="B", name="x", value=float("nan"))


def test_unknown_field_is_an_error():
    with pytest.raises(ValidationError):
        Parameter(name="T", setpoint=36)


def _project(**kw) -> Project:
    base = dict(name="p", product=Product(name="x", modality="mab"))
    base.update(kw)
    return Project(**base)


def _msgs(issues):
    return [(i.loc, i.message) for i in issues]


def test_parameter_nesting_rules():
    p = Parameter(name="T", unit="°C", set_point=36, nor=[35, 37], par=[34, 38], studied=[33, 39])
    assert check_parameter(p, ()) == []
    bad = p.model_copy(update={"nor": Range(low=35, high=38.5)})
    assert _msgs(check_parameter(bad, ())) == [(("nor",), "NOR outside PAR")]
    # set point checked against PAR when there is no NOR
    nonor = p.model_copy(update={"nor": None, "set_point": 38.5})
    assert _msgs(check_parameter(nonor, ())) == [(("set_point",), "set point outside PAR")]
    # unordered range: reported once, and no nesting claims built on it
    rev = p.model_copy(update={"par": Range(low=38, high=34)})
    assert _msgs(check_parameter(rev, ())) == [(("par",), "PAR low > high")]
    # ranges in units other than the parameter's
    mixed = Parameter(name="T", set_point=36, nor=[35, 37, "°C"], par=[308, 311, "K"])
    assert _msgs(check_parameter(mixed, ())) == [(("par", "unit"), "inconsistent units")]


def test_categorical_set_point_must_be_a_level():
    p = Parameter(name="resin", type="categorical", levels="A; B", set_point="C")
    assert p.levels == ["A", "B"]
    assert _msgs(check_parameter(p, ())) == [(("set_point",), "set point is not a level")]


def test_project_references_and_duplicates():
    uo = UnitOperation(name="bioreactor", label=Label(zh="生物反应器"),
                       parameters=[Parameter(name="T", unit="°C")])
    proj = _project(
        quality_attributes=[QualityAttribute(name="agg", unit="%",
                                             acceptance=[{"high": 3, "unit": "ng/mg"}])],
        process=Process(unit_operations=[uo, UnitOperation(name="Bioreactor")]),
        materials=[Material(name="m", used_in=["生物反应器", "nowhere"],
                            attributes=[MaterialAttribute(name="q", range=[5, 1])])],
        studies=[Study(name="s", kind="doe", parameters=["T", "pH"], attributes=["agg", "hcp"])],
        batches=[Batch(id="B1", kind="PPQ", study="s2"), Batch(id="B1", kind="PPQ")],
        measurements=[Measurement(batch="B1", unit_operation="bioreactor", name="T", value=36,
                                  unit="K", time=1, time_unit="rpm")],
    )
    assert sorted(map(str, _msgs(check_project(proj)))) == sorted(map(str, [
        (("batches", 1, "id"), "duplicate batch"),
        (("process", "unit_operations", 1, "name"), "duplicate unit operation name"),
        (("quality_attributes", 0, "acceptance", 0, "unit"), "inconsistent units"),
        (("materials", 0, "used_in", 1), "unknown unit operation"),
        (("materials", 0, "attributes", 0, "range"), "range low > high"),
        (("studies", 0, "parameters", 1), "unknown parameter"),
        (("studies", 0, "attributes", 1), "unknown quality attribute"),
        (("batches", 0, "study"), "unknown study"),
        (("measurements", 0, "unit"), "inconsistent units"),
        (("measurements", 0, "time_unit"), "not a unit of time"),
    ]))


def test_json_document_round_trip_of_a_small_project():
    p = _project(process=Process(unit_operations=[UnitOperation(
        name="u", parameters=[Parameter(name="T", unit="degC", nor=[1, 2])])]))
    doc = p.model_dump(mode="json")
    assert doc["process"]["unit_operations"][0]["parameters"][0]["unit"] == "°C"
    assert Project.model_validate(doc) == p


def test_find_parameter_and_attribute_loosely():
    from qbdkit.templates import load_template

    p = load_template("mab")
    assert p.find_parameter("Temperature (°C)", "production_bioreactor").name == "temperature"
    assert p.find_parameter("Feed_Volume").name == "feed_volume"
    assert p.find_parameter("溶氧（%）").name == "dissolved_oxygen"
    assert p.find_parameter("nothing like it") is None
    assert p.find_attribute("HCP").name == "hcp"
    assert p.find_attribute("Afucosylation (%)").name == "afucosylation"


def test_json_schema_is_available():
    schema = Project.model_json_schema()
    assert "Parameter" in schema["$defs"] and "Measurement" in schema["$defs"]


def test_measurement_time_is_elapsed_or_a_timestamp():
    assert Measurement(batch="B", name="x", time="3").time == 3.0
    assert Measurement(batch="B", name="x", time="2024-03-01 12:30").time == dt.datetime(2024, 3, 1, 12, 30)
    assert Measurement(batch="B", name="x", time=dt.date(2024, 3, 1)).time == dt.datetime(2024, 3, 1)
    with pytest.raises(ValidationError):
        Measurement(batch="B", name="x", time="day three")
    m = Measurement(batch="B", name="x", time="2024-03-01T12:30:00+08:00")
    assert Measurement.model_validate(m.model_dump(mode="json")) == m
