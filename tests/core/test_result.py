"""Result base: JSON conversion and plain-text tables."""

from dataclasses import dataclass

import numpy as np

from qbdkit.core.result import Result, display_width, format_table


@dataclass(frozen=True)
class _R(Result):
    x: float
    arr: np.ndarray
    flag: np.bool_


def test_to_dict_converts_numpy_and_nan():
    r = _R(float("nan"), np.array([1.5, np.inf]), np.bool_(True))
    assert r.to_dict() == {"x": None, "arr": [1.5, None], "flag": True}


def test_table_aligns_chinese_by_display_width():
    text = format_table(["name", "score"], [["宿主细胞蛋白", 36], ["HCP", 4]])
    lines = text.splitlines()
    assert display_width("宿主细胞蛋白") == 12
    assert len({display_width(line) for line in lines}) == 1
    assert lines[2].endswith("36") and lines[3].endswith(" 4")
