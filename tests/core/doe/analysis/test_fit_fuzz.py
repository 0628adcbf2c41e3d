"""Bad input never becomes an internal error: random small tables through `analyze` raise
QbdInputError or succeed (hypothesis)."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.core.doe.analysis import analyze, predict
from qbdkit.errors import QbdInputError

cell = st.one_of(st.integers(-3, 3).map(float), st.sampled_from(["", "x", "y", "1,5", "nan", "inf", "2"]),
                 st.floats(-5, 5, allow_nan=False, width=32), st.none())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12).flatmap(lambda n: st.lists(st.tuples(cell, cell, cell), min_size=n, max_size=n)),
       st.sampled_from(["linear", "interaction", "quadratic", "y ~ A + B", "y ~ A*B - 1",
                        "y ~ I(A**2) + np.log(B)", "y ~ C(A)", "y ~ C(A) + B", "y ~ 1"]),
       st.sampled_from(["coded", "actual"]), st.booleans(), st.sampled_from([None, "log", "-1"]),
       st.sampled_from(["I", "II", "III"]))
def test_random_tables_fail_cleanly(rows, model, coding, reduce, transform, anova_type):
    df = pd.DataFrame(rows, columns=["A", "B", "y"])
    try:
        res = analyze(df, ["y"] if "~" not in model else [], model, coding=coding, reduce=reduce,
                      factors=["A", "B"] if "~" not in model else None, anova_type=anova_type,
                      transforms={"y": transform})
    except QbdInputError:
        return
    fit = res.responses[0]
    assert np.all(np.isfinite(fit.params))
    res.to_dict()
    fit.summary()
    with contextlib.suppress(QbdInputError):
        predict(res.responses, {"A": [0.0], "B": [1.0]})
