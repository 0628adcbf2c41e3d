"""Regression diagnostics against statsmodels' OLSInfluence (an independent implementation of
Belsley, Kuh & Welsch 1980 and Cook & Weisberg 1982), to 1e-10 relative."""

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import OLSInfluence

from qbdkit.core.doe.analysis import fit_response
from qbdkit.core.doe.analysis.fit import influence_table


def test_diagnostics_match_statsmodels_and_flag_the_planted_outlier():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"A": rng.uniform(-1, 1, 20), "B": rng.uniform(-1, 1, 20)})
    d["y"] = 2 + 3 * d["A"] - d["B"] + rng.normal(scale=0.3, size=20)
    d.loc[5, "y"] += 4.0  # a gross error
    fit = fit_response(d, "y", "linear", coding="actual")
    ref = OLSInfluence(sm.OLS(d["y"], sm.add_constant(d[["A", "B"]])).fit())
    diag = fit.diagnostics
    np.testing.assert_allclose(diag["leverage"], ref.hat_matrix_diag, rtol=1e-10)
    np.testing.assert_allclose(diag["studentized"], ref.resid_studentized_internal, rtol=1e-10)
    np.testing.assert_allclose(diag["externally_studentized"], ref.resid_studentized_external,
                               rtol=1e-10)
    np.testing.assert_allclose(diag["cooks_d"], ref.cooks_distance[0], rtol=1e-10)
    np.testing.assert_allclose(diag["dffits"], ref.dffits[0], rtol=1e-10)
    assert ref.dffits[1] == 2 * np.sqrt(3 / 20)  # statsmodels' threshold = ours
    table = influence_table(fit)
    row = table[table["run"] == 6].iloc[0]
    assert "outlier" in row["flags"] and "DFFITS" in row["flags"]
