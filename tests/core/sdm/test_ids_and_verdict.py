"""compare_scales with an id column, duplicate ids, and "not shown" for lack of power (issue 17)."""

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.sdm import compare_scales, numeric_attributes
from qbdkit.core.sdm.comparability import verdict_of
from qbdkit.errors import QbdInputError


def _frames():
    rng = np.random.default_rng(1)
    a = pd.DataFrame({"lot": [f"L{i}" for i in range(10)], "titer": rng.normal(5, 0.3, 10)})
    s = pd.DataFrame({"lot": ["S1", "S2", "S3"], "titer": [5.3, 4.9, 5.1]})
    return a, s


def test_text_id_column_is_detected_not_a_pandas_error():
    a, s = _frames()
    res = compare_scales(a, s)
    assert [x.name for x in res.attributes] == ["titer"]
    b, t = a.rename(columns={"lot": "标识"}), s.rename(columns={"lot": "标识"})
    t.loc[0, "titer"] = 9.0
    assert compare_scales(b, t).attributes[0].outside_range == ["S1"]


def test_duplicate_ids_are_refused_naming_rows():
    a, s = _frames()
    s.loc[2, "lot"] = "S1"
    with pytest.raises(QbdInputError, match=r"duplicate id \(also on row 2\)"):
        compare_scales(a, s)
    with pytest.raises(QbdInputError, match="duplicate id"):
        numeric_attributes(s, file="small.csv")


def test_underpowered_non_equivalence_is_not_shown_not_fail():
    a, s = _frames()
    att = compare_scales(a, s).attributes[0]
    assert not att.equivalent and not att.passed
    assert att.verdict == "not shown"
    assert att.note.startswith(f"not shown — needs ≥ {att.sample_size['0.8']} runs for 80 % power")
    assert "NOT SHOWN" in compare_scales(a, s).summary()


def test_verdict_rules():
    assert verdict_of(True, [], (-1, 1), 2, 10, 8)[0] == "pass"
    assert verdict_of(True, ["S1"], (-1, 1), 2, 10, 8)[0] == "fail"
    assert verdict_of(False, [], (2.5, 3), 2, 3, 8)[0] == "fail"  # CI wholly beyond the margin
    assert verdict_of(False, [], (-1, 3), 2, 3, 8)[0] == "not shown"
    assert verdict_of(False, [], (-1, 3), 2, 8, 8)[0] == "fail"  # enough runs: a real failure
