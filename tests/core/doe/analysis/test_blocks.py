"""Blocked run sheets (contract C ``block`` column): a sum-to-zero block effect.

Invariants on Montgomery's 2⁴ (Example 6.2) split into two blocks by the sign of ABCD (the
blocking of his Example 7.2): shifting every run of block 2 by a constant must change the
block effect only — factor coefficients, their SEs, the residual and every factor sum of
squares stay the same — and a prediction without a block value is the average block.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis import analyze, reduce_model

CSV = Path(__file__).parents[3] / "data" / "doe" / "montgomery_ex6_2_filtration_2x4.csv"
F = ["A_temperature", "B_pressure", "C_formaldehyde_conc", "D_stirring_rate"]


def _blocked(shift: float) -> pd.DataFrame:
    df = pd.read_csv(CSV).drop(columns=["treatment"])
    abcd = df[F].prod(axis=1)
    df.insert(1, "block", np.where(abcd > 0, 1, 2))
    df.loc[df["block"] == 2, "filtration_rate"] += shift
    return df


def test_block_shift_changes_only_the_block_effect():
    a = analyze(_blocked(0.0), ["filtration_rate"], "interaction", factors=F).responses[0]
    b = analyze(_blocked(-20.0), ["filtration_rate"], "interaction", factors=F).responses[0]
    assert a.terms[1].startswith("C(block, Sum)")
    assert [f.name for f in a.factors] == F  # the block is not a factor
    for t in a.terms[2:]:
        i, j = a.terms.index(t), b.terms.index(t)
        assert a.params[i] == pytest.approx(b.params[j], abs=1e-12)
        assert a.bse[i] == pytest.approx(b.bse[j], rel=1e-12)
    assert a.anova[-2].ss == pytest.approx(b.anova[-2].ss, rel=1e-12)  # residual
    blk_a = next(r for r in a.anova if r.source.startswith("C(block"))
    blk_b = next(r for r in b.anova if r.source.startswith("C(block"))
    assert blk_a.ss != pytest.approx(blk_b.ss)
    # block coefficient moves by half the shift (sum-to-zero coding, two blocks)
    assert b.params[1] - a.params[1] == pytest.approx(10.0, abs=1e-12)


def test_prediction_without_block_is_the_average_block():
    fit = analyze(_blocked(-20.0), ["filtration_rate"], "interaction", factors=F).responses[0]
    point = {f: [1.0] for f in F}
    avg = fit.predict(pd.DataFrame(point))["mean"].iloc[0]
    b1 = fit.predict(pd.DataFrame({**point, "block": [1]}))["mean"].iloc[0]
    b2 = fit.predict(pd.DataFrame({**point, "block": [2]}))["mean"].iloc[0]
    assert avg == pytest.approx((b1 + b2) / 2, rel=1e-12)
    # block 1 − block 2 = shift + the ABCD effect confounded with blocks (1.375, Table 6.12)
    assert b1 - b2 == pytest.approx(20.0 + 1.375, abs=1e-9)


def test_reduction_keeps_the_block():
    df = _blocked(-20.0)
    full = analyze(df, ["filtration_rate"], "interaction", factors=F).responses[0]
    red = reduce_model(full, df, alpha=0.05)
    assert red.terms[1].startswith("C(block, Sum)")
    assert {"A_temperature:C_formaldehyde_conc", "A_temperature:D_stirring_rate"} <= set(red.terms)
