"""Stability programme records (pydantic): conditions, pulls, results, excursions."""

import datetime as dt

import pytest
from pydantic import ValidationError

from qbdkit.core.stability import shelf_life
from qbdkit.model.stability import CONDITIONS, StabilityStudy, results_table


def study(**extra):
    base = {
        "name": "DP-LT-5C", "material": "drug product", "condition": "long-term",
        "storage": "5 °C ± 3 °C", "batches": ["A", "B", "C"],
        "time_points": [{"time": t, "tests": ["potency"]} for t in (0, 3, 6, 9, 12)],
        "pulls": [{"batch": "A", "time": 3, "planned": "2026-03-01", "actual": "2026-03-04"}],
        "results": [{"batch": b, "time": t, "attribute": "potency", "value": v0 - 0.2 * t}
                    for b, v0 in (("A", 100.5), ("B", 100.1), ("C", 100.9))
                    for t in (0, 3, 6, 9, 12)],
        "excursions": [{"start": "2026-02-01T08:00", "end": "2026-02-01T14:30",
                        "extreme": "11 °C", "cause": "chamber door"}],
    }
    base.update(extra)
    return StabilityStudy.model_validate(base)


def test_conditions_cover_the_seed_study_types():
    assert {"long-term", "accelerated", "stress", "transport", "in-use",
            "freeze-thaw"} <= set(CONDITIONS)
    for c in ("transport", "in-use", "freeze-thaw"):
        assert study(condition=c).condition == c


def test_records_and_derived_values():
    s = study()
    assert s.pulls[0].days_late == 3
    assert s.excursions[0].hours == pytest.approx(6.5)
    table = results_table(s, "potency")
    r = shelf_life(table["batch"], table["time"], table["value"], lower=95,
                   storage="refrigerated")
    assert r.model in ("common", "common-slope")


def test_bad_records_are_rejected():
    with pytest.raises(ValidationError):
        study(condition="sunbathing")
    with pytest.raises(ValidationError, match="not on study"):
        study(results=[{"batch": "Z", "time": 0, "attribute": "potency", "value": 1.0}])
    with pytest.raises(ValidationError, match="ends before"):
        study(excursions=[{"start": dt.datetime(2026, 2, 2), "end": dt.datetime(2026, 2, 1)}])
