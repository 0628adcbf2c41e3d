"""Ppk and Bissell's interval (tests/data/ppq/README.md)."""

import numpy as np
import pytest

from qbdkit.core.ppq import bissell_interval, ppk
from qbdkit.errors import QbdInputError


def test_quality_digest_example():
    # n = 45, Cpk = 1.15 → "between 0.89 and 1.41" (95 %)
    lo, hi = bissell_interval(1.15, 45, 0.95)
    assert (round(lo, 2), round(hi, 2)) == (0.89, 1.41)


def test_ppk_definition_and_one_sided():
    x = np.array([9.8, 10.1, 10.0, 10.3, 9.9, 10.2, 10.0, 10.1, 9.95, 10.05])
    m, s = x.mean(), x.std(ddof=1)
    both = ppk(x, 9.0, 11.5)
    assert both.ppl == pytest.approx((m - 9.0) / (3 * s))
    assert both.ppu == pytest.approx((11.5 - m) / (3 * s))
    assert both.ppk == pytest.approx(min(both.ppl, both.ppu))
    assert (both.ppk_lower, both.ppk_upper) == pytest.approx(bissell_interval(both.ppk, 10))
    upper_only = ppk(x, upper=11.5)
    assert upper_only.ppl is None and upper_only.ppk == pytest.approx(both.ppu)


def test_bad_input():
    with pytest.raises(QbdInputError):
        ppk([1.0, 2.0])
    with pytest.raises(QbdInputError):
        ppk([1.0], upper=2)
    with pytest.raises(QbdInputError):
        ppk([1.0, 1.0, 1.0], upper=2)
