"""Factors files, coding and constraints (bad input → QbdInputError naming file/row/field)."""

from __future__ import annotations

import numpy as np
import pytest

from qbdkit.core.doe.design import make_space, read_factors
from qbdkit.errors import QbdInputError


def test_yaml_factors_and_constraints(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text("""factors:
  - {name: Temperature, low: 34, high: 36, unit: °C}
  - {name: pH, low: 6.8, high: 7.1}
  - {name: Resin, type: categorical, levels: [A, B, C]}
constraints:
  - "0.5*Temperature + pH <= 24.9"
disallowed:
  - {Resin: C, pH: [7.0, 7.1]}
""", encoding="utf-8")
    sp = read_factors(p)
    assert sp.names == ["Temperature", "pH", "Resin"]
    c = sp.constraints[0]
    assert c.coef == pytest.approx((0.5, 1.0, 0.0)) and c.rhs == pytest.approx(24.9)
    z = np.array([[1, 1, 0], [-1, -1, 0], [0, 1, 2], [0, -1, 2]], dtype=float)
    assert sp.feasible(z).tolist() == [False, True, False, True]


def test_csv_chinese_headers_gb18030(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes("名称,类型,下限,上限,单位,水平\n温度,,34,36,°C,\n树脂,分类,,,,A;B\n".encode("gb18030"))
    sp = read_factors(p)
    assert sp.names == ["温度", "树脂"]
    assert sp.factors[1].levels == ("A", "B")
    assert sp.factors[0].unit == "°C"


def test_bad_factors_name_every_problem(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("name,type,low,high\nT,,36,34\nX,weird,0,1\npH,,6.8,7.1\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as e:
        read_factors(p)
    probs = e.value.problems
    assert len(probs) == 2
    assert probs[0].row == 2 and "low must be below high" in probs[0].message
    assert probs[1].row == 3 and probs[1].column == "type" and probs[1].found == "weird"


def test_infeasible_constraints():
    with pytest.raises(QbdInputError, match="no feasible"):
        make_space([{"name": "A", "low": 0, "high": 1}, {"name": "B", "low": 0, "high": 1}],
                   ["A + B >= 3"])


def test_bad_constraints():
    fs = [{"name": "A", "low": 0, "high": 1}, {"name": "B", "low": 0, "high": 1}]
    for text in ["A*B <= 1", "A + Z <= 1", "A + B", "__import__('os') <= 1"]:
        with pytest.raises(QbdInputError):
            make_space(fs, [text])


def test_coding_roundtrip():
    sp = make_space([{"name": "T", "low": 34, "high": 36}])
    f = sp.factors[0]
    assert f.to_coded(np.array([34, 35, 36])).tolist() == [-1, 0, 1]
    assert f.to_actual(np.array([-1, 0, 1])).tolist() == [34, 35, 36]
