"""AIAG-VDA action priority: every one of the 1000 S/O/D cells, monotonicity, RPN bounds.

Reference: AIAG & VDA FMEA Handbook, 1st ed. (2019), Action Priority table for
DFMEA/PFMEA, as transcribed in ../shared/reference/risk.md §1 (copied below verbatim
as markdown); seed 000 table 1 shows the same structure (措施优先级 AP). Detection bands
in each cell, left to right: D 7–10, D 5–6, D 2–4, D 1. Exact agreement required
(a lookup has no tolerance).
"""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbdkit.core.risk import action_priority, assess, rpn
from qbdkit.errors import QbdInputError

PUBLISHED_TABLE = """
| S \\ O | O 8–10 | O 6–7 | O 4–5 | O 2–3 | O 1 |
|---|---|---|---|---|---|
| S 9–10 | H H H H | H H H H | H H H M | H M L L | L L L L |
| S 7–8  | H H H H | H H H M | H M M M | M M L L | L L L L |
| S 4–6  | H H M M | M M M L | M L L L | L L L L | L L L L |
| S 2–3  | M M L L | L L L L | L L L L | L L L L | L L L L |
| S 1    | L L L L | L L L L | L L L L | L L L L | L L L L |
"""


def _band(text: str) -> range:
    """'S 9–10' → range(9, 11); 'O 1' → range(1, 2)."""
    numbers = text.split()[-1].split("–")
    lo, hi = int(numbers[0]), int(numbers[-1])
    return range(lo, hi + 1)


def _expected() -> dict[tuple[int, int, int], str]:
    lines = [ln for ln in PUBLISHED_TABLE.strip().splitlines()[2:] if ln.startswith("| S ")]
    header = [c.strip() for c in PUBLISHED_TABLE.strip().splitlines()[0].strip("|").split("|")]
    o_bands = [_band(h) for h in header[1:]]
    d_bands = [range(7, 11), range(5, 7), range(2, 5), range(1, 2)]
    table = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        s_band = _band(cells[0])
        for o_band, cell in zip(o_bands, cells[1:], strict=True):
            letters = cell.split()
            assert len(letters) == 4
            for d_band, letter in zip(d_bands, letters, strict=True):
                for s, o, d in itertools.product(s_band, o_band, d_band):
                    table[(s, o, d)] = letter
    return table


EXPECTED = _expected()


def test_transcription_covers_all_1000_cells():
    assert len(EXPECTED) == 1000


def test_every_cell_matches_the_published_table():
    wrong = [(s, o, d, EXPECTED[(s, o, d)], action_priority(s, o, d))
             for (s, o, d) in sorted(EXPECTED) if action_priority(s, o, d) != EXPECTED[(s, o, d)]]
    assert wrong == []


def test_counts_per_priority():
    # a second, independent check of the transcription: H/M/L cell counts of the table
    counts = {k: sum(1 for v in EXPECTED.values() if v == k) for k in "HML"}
    ours = {k: sum(1 for s, o, d in EXPECTED if action_priority(s, o, d) == k) for k in "HML"}
    assert ours == counts
    assert sum(counts.values()) == 1000


@pytest.mark.parametrize(("s", "o", "d", "ap"), [
    (10, 10, 10, "H"), (1, 1, 1, "L"), (9, 2, 7, "H"), (9, 2, 5, "M"), (9, 2, 4, "L"),
    (7, 6, 1, "M"), (4, 8, 5, "H"), (4, 8, 4, "M"), (3, 8, 7, "M"), (3, 8, 4, "L"),
    (5, 4, 7, "M"), (5, 4, 6, "L"), (8, 3, 5, "M"), (8, 3, 4, "L"),
])
def test_spot_cells(s, o, d, ap):
    assert action_priority(s, o, d) == ap


RANK = {"L": 0, "M": 1, "H": 2}
rating = st.integers(min_value=1, max_value=10)


@given(rating, rating, rating, st.sampled_from([0, 1, 2]), st.integers(min_value=1, max_value=9))
def test_ap_monotone_in_s_o_and_d(s, o, d, which, step):
    """Raising S, O or D never lowers the priority (reference/risk.md §1)."""
    base = [s, o, d]
    raised = list(base)
    raised[which] = min(10, raised[which] + step)
    assert RANK[action_priority(*raised)] >= RANK[action_priority(*base)]


@given(rating, rating, rating)
def test_rpn_bounds_and_product(s, o, d):
    value = rpn(s, o, d)
    assert 1 <= value <= 1000
    assert value == s * o * d
    assert assess(s, o, d).rpn == value


def test_rpn_extremes():
    assert rpn(1, 1, 1) == 1
    assert rpn(10, 10, 10) == 1000


@pytest.mark.parametrize("bad", [0, 11, -1, 2.5, "x", None])
def test_rating_off_scale_is_input_error(bad):
    with pytest.raises(QbdInputError) as exc:
        action_priority(bad, 5, 5)
    assert exc.value.first.column == "severity"


def test_assess_result_shape():
    assert assess(9, 2, 5).to_dict() == {"severity": 9, "occurrence": 2, "detection": 5,
                                         "rpn": 90, "ap": "M"}
