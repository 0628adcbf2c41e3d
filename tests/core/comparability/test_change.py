"""Change classification by the packaged seed rules (003 §1.3, 004 §10)."""

import pytest

from qbdkit.core.comparability import classify_change, default_rules
from qbdkit.errors import QbdInputError


def test_every_rule_cites_a_seed_passage_and_has_both_languages():
    rules = default_rules()
    for r in rules["rules"]:
        assert r["source"].startswith(("003", "004")), r["id"]
        assert r["reason"]["en"] and r["reason"]["zh"]
        assert r["class"] in rules["classes"]
    assert set(rules["protocols"]) == set(rules["classes"])


def test_movement_inside_design_space_is_not_a_change():
    c = classify_change({"change_type": "process_optimisation", "within_design_space": True,
                         "cqa_impact": "likely"})
    assert c.change_class == "none" and [r["rule"] for r in c.reasons] == ["design-space"]


@pytest.mark.parametrize("record,expected,rules", [
    ({"change_type": "analytical_method"}, "minor", {"analytical-method"}),
    ({"change_type": "site", "phase": "early-clinical", "cqa_impact": "low"}, "moderate",
     {"site"}),
    ({"change_type": "scale", "phase": "commercial", "cqa_impact": "possible"}, "major",
     {"scale", "impact-possible", "late-phase"}),
    ({"change_type": "raw_material", "impact_predictable": False}, "major",
     {"raw-material", "impact-unpredictable"}),
    ({"change_type": "other"}, "minor", {"default"}),
])
def test_class_is_the_highest_rule_that_applies(record, expected, rules):
    c = classify_change(record)
    assert c.change_class == expected
    assert {r["rule"] for r in c.reasons} == rules


def test_protocol_scales_with_class_and_bridging_for_major():
    minor = classify_change({"change_type": "analytical_method"})
    assert minor.protocol["method_bridging"] and not minor.protocol["extended_characterisation"]
    major = classify_change({"change_type": "site", "impact_predictable": False})
    assert major.bridging and "bridging" in major.protocol["bridging"]
    assert major.protocol["extended_characterisation"]
    early = classify_change({"change_type": "site", "phase": "early-clinical"})
    assert any("early clinical" in n for n in early.notes)


def test_custom_rules_and_vocabulary_errors():
    rules = default_rules()
    rules["rules"].append({"id": "cell-bank", "when": {"change_type": "other"},
                           "class": "major", "reason": {"en": "x", "zh": "x"}, "source": "site SOP"})
    assert classify_change({"change_type": "other"}, rules).change_class == "major"
    with pytest.raises(QbdInputError, match="change_type"):
        classify_change({"change_type": "teleport"})
    with pytest.raises(QbdInputError, match="unknown field"):
        classify_change({"colour": "red"})
