"""Parameter classification tree (seed 000 fig. 6 / A-Mab fig. 6.3; reference/risk.md §4)."""

import inspect

import pandas as pd
import pytest

from qbdkit.core.risk import ParameterClassification, classify_parameter, classify_parameters
from qbdkit.errors import QbdInputError


@pytest.mark.parametrize(("kwargs", "cls"), [
    ({"affects_cqa": True, "cqa_risk": "high"}, "CPP"),
    ({"affects_cqa": True, "cqa_risk": "low"}, "WC-CPP"),
    ({"affects_cqa": True}, "CPP"),  # not rated → conservative
    ({"affects_cqa": False, "affects_performance": True, "performance_risk": "high"}, "KPP"),
    ({"affects_cqa": False, "affects_performance": True, "performance_risk": "low"}, "GPP"),
    ({"affects_cqa": False, "affects_performance": True}, "KPP"),
    ({"affects_cqa": False}, "GPP"),
    ({"affects_cqa": True, "cqa_risk": "低"}, "WC-CPP"),
    ({"affects_cqa": True, "cqa_risk": "HIGH", "affects_performance": True,
      "performance_risk": "low"}, "CPP"),  # the CQA branch decides
])
def test_tree(kwargs, cls):
    p = classify_parameter("x", **kwargs)
    assert p.cls == cls
    assert f"→ {cls}" in p.rationale_en
    assert cls in p.rationale_zh


def test_amab_example_wc_cpp():
    # A-Mab: a bioreactor parameter that affects a CQA, with low likelihood of leaving the
    # design space and good detection/control → WC-CPP
    p = classify_parameter("culture temperature", affects_cqa=True, cqa_risk="low",
                           evidence="FMEA O=2, D=3")
    assert p.cls == "WC-CPP"
    assert "FMEA O=2, D=3" in p.rationale_en and "FMEA O=2, D=3" in p.rationale_zh


def test_contract_b_signature_and_fields():
    sig = inspect.signature(classify_parameter)
    assert list(sig.parameters) == ["name", "affects_cqa", "cqa_risk", "affects_performance",
                                    "performance_risk", "evidence"]
    assert all(sig.parameters[n].kind is inspect.Parameter.KEYWORD_ONLY
               for n in list(sig.parameters)[1:])
    p = classify_parameter("pH", affects_cqa=True, cqa_risk="high", evidence="e")
    assert isinstance(p, ParameterClassification)
    assert set(p.to_dict()) == {"name", "cls", "rationale_en", "rationale_zh", "evidence"}
    with pytest.raises(AttributeError):
        p.cls = "GPP"  # frozen


def test_bad_risk_word():
    with pytest.raises(QbdInputError) as exc:
        classify_parameter("pH", affects_cqa=True, cqa_risk="medium")
    assert exc.value.first.column == "cqa_risk"


def test_table_with_chinese_headers_and_errors():
    df = pd.DataFrame({"参数": ["pH", "搅拌", "补料"], "影响CQA": ["是", "否", "否"],
                       "CQA风险": ["高", None, None], "影响工艺性能": [None, "是", "否"],
                       "性能风险": [None, "高", None]})
    r = classify_parameters(df)
    assert [(p["name"], p["class"]) for p in r.to_dict()["parameters"]] == [
        ("pH", "CPP"), ("搅拌", "KPP"), ("补料", "GPP")]
    bad = df.assign(**{"CQA风险": [None, None, None], "影响CQA": ["是", "maybe", "否"]})
    with pytest.raises(QbdInputError) as exc:
        classify_parameters(bad)
    # errors name the column as the user wrote it, with the canonical name
    assert {(p.row, p.column) for p in exc.value.problems} == {(2, "CQA风险 (cqa_risk)"),
                                                               (3, "影响CQA (affects_cqa)")}
