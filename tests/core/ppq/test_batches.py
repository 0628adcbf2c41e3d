"""Number of PPQ batches (tests/data/ppq/README.md)."""

import math

import pytest
from scipy import special

from qbdkit.core.ppq import expected_range_coverage, ppq_batch_count
from qbdkit.errors import QbdInputError


def test_pda_tr60_expected_coverage():
    # 3 → 50 %, 5 → 67 %, 9 → 80 %, 19 → 90 %
    assert [round(100 * expected_range_coverage(n)) for n in (3, 5, 9, 19)] == [50, 67, 80, 90]


def test_floor_of_three_with_rationale():
    bc = ppq_batch_count()
    assert bc.n_batches == 3 and bc.minimum == 3 and bc.expected_coverage == 0.5
    text = " ".join(bc.rationale_text("en"))
    assert "seed 000" in text and "seed 003" in text
    zh = " ".join(bc.rationale_text("zh"))
    assert "不少于三批" in zh and "PPQ 批次数：3" in zh
    assert ppq_batch_count(requested=2).n_batches == 3
    assert ppq_batch_count(requested=5).n_batches == 5


def test_target_coverage():
    assert ppq_batch_count(target_coverage=0.9).n_batches == 19
    assert ppq_batch_count(target_coverage=0.8).n_batches == 9
    assert ppq_batch_count(target_coverage=0.5).n_batches == 3


def test_ppk_batches_is_the_smallest_n():
    bc = ppq_batch_count(expected_ppk=1.6, ppk_target=1.0)
    n = bc.n_for_ppk
    z = special.ndtri(0.95)

    def lower(k):
        return 1.6 - z * math.sqrt(1 / (9 * k) + 1.6 ** 2 / (2 * (k - 1)))

    assert lower(n) >= 1.0 > lower(n - 1)
    assert bc.n_batches == max(3, n)
    assert ppq_batch_count(expected_ppk=0.9).n_for_ppk is None


def test_bad_input():
    with pytest.raises(QbdInputError):
        ppq_batch_count(target_coverage=1.0)
    with pytest.raises(QbdInputError):
        ppq_batch_count(requested=0)
