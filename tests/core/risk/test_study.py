"""Characterization-study planning (A-Mab 2009; reference/risk.md §4): severity = main ×
interaction on 1/4/8; >= 32 multivariate, 8–16 multivariate or justified univariate,
4 univariate, <= 2 none; no data → highest rank. Exact agreement."""

import pandas as pd
import pytest

from qbdkit.core.risk import study_plan
from qbdkit.errors import QbdInputError


@pytest.mark.parametrize(("main", "inter", "severity", "study"), [
    (8, 8, 64, "multivariate"), (8, 4, 32, "multivariate"), (4, 4, 16, "multivariate-or-univariate"),
    (8, 1, 8, "multivariate-or-univariate"), (4, 1, 4, "univariate"), (1, 1, 1, "none"),
])
def test_bands(main, inter, severity, study):
    r = study_plan(pd.DataFrame({"name": ["p"], "main_effect": [main], "interaction": [inter]}))
    p = r.parameters[0]
    assert (p["severity"], p["study"]) == (severity, study)


def test_no_data_is_highest_rank():
    r = study_plan(pd.DataFrame({"参数": ["补料量"], "主效应": ["无数据"], "交互作用": ["no data"]}))
    p = r.parameters[0]
    assert (p["main_effect"], p["interaction"], p["severity"], p["no_data"]) == (8, 8, 64, True)


def test_off_scale():
    with pytest.raises(QbdInputError) as exc:
        study_plan(pd.DataFrame({"name": ["p"], "main_effect": [5], "interaction": [None]}))
    assert {p.column for p in exc.value.problems} == {"main_effect", "interaction"}
