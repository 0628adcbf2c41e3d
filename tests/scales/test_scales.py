"""Scales are data: every shipped scale loads and validates; bad site files are input errors."""

from pathlib import Path

import pytest
import yaml

from qbdkit.core.risk import action_priority, cause_and_effect, cqa_assessment
from qbdkit.errors import QbdInputError
from qbdkit.scales import DATA_DIR, builtin_scale_ids, load_scale, load_scale_file

EXPECTED = {
    # published scale points (reference/risk.md §1–5)
    "aiag-vda": {"severity": list(range(1, 11)), "occurrence": list(range(1, 11)),
                 "detection": list(range(1, 11))},
    "classic": {"severity": list(range(1, 11)), "occurrence": list(range(1, 11)),
                "detection": list(range(1, 11))},
    "amab-1": {"impact": [2, 4, 12, 16, 20], "uncertainty": [1, 2, 3, 5, 7]},
    "amab-2": {"severity": [1, 3, 5, 7, 9], "likelihood": [1, 3, 5, 7, 9]},
    "amab-3": {},
    "amab-dp": {d: [2, 4, 6, 8, 10] for d in ("severity", "occurrence", "detection")},
    "control-strategy": {d: [1, 3, 10] for d in ("severity", "occurrence", "detection")},
    "0-1-3-9": {"correlation": [0, 1, 3, 9], "weight": list(range(1, 11))},
    "1-5-7-10": {"correlation": [1, 5, 7, 10], "weight": [1, 5, 7, 10]},
    "study": {"main_effect": [1, 4, 8], "interaction": [1, 4, 8]},
}


def test_every_shipped_scale_loads_with_published_points():
    assert sorted(EXPECTED) == builtin_scale_ids()
    for sid, dims in EXPECTED.items():
        s = load_scale(sid)
        assert {k: d.scores for k, d in s.dimensions.items()} == dims, sid
        assert s.source and s.version and s.title_en and s.title_zh
        for d in s.dimensions.values():
            for lv in d.levels:
                assert lv.label_en and lv.label_zh


def test_published_thresholds():
    assert load_scale("amab-1").threshold == 36
    assert load_scale("1-5-7-10").threshold == 300
    assert load_scale("amab-3").threshold == 1000
    rule = load_scale("amab-dp").cpp_rule
    assert (rule.cpp_min_severity, rule.not_cpp_max_rpn, rule.further_max_rpn) == (8, 48, 72)
    bands = load_scale("control-strategy").rpn_bands
    assert [(b.code, b.min) for b in bands] == [("H", 100), ("M", 31), ("L", 0)]


def _write(tmp_path: Path, doc: dict, name: str = "site.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


def _doc(sid: str) -> dict:
    return yaml.safe_load((DATA_DIR / f"{sid}.yaml").read_text(encoding="utf-8"))


def test_site_scale_replaces_the_default(tmp_path):
    doc = _doc("0-1-3-9")
    doc.update(id="site-ce", title_en="Site C&E 0/1/5/10")
    doc["dimensions"]["correlation"]["levels"] = [
        {"score": s, "label_en": str(s), "label_zh": str(s)} for s in (0, 1, 5, 10)]
    path = _write(tmp_path, doc)
    import pandas as pd

    m = pd.DataFrame({"input": ["weight", "pH"], "y": [2, 5]})
    assert cause_and_effect(m, scale=path).inputs[0]["score"] == 10
    with pytest.raises(QbdInputError):
        cause_and_effect(m)  # 5 is not on the default 0/1/3/9 scale


def test_site_cqa_threshold(tmp_path):
    doc = _doc("amab-1")
    doc["threshold"] = 24
    path = _write(tmp_path, doc)
    import pandas as pd

    df = pd.DataFrame({"name": ["x"], "impact": [12], "uncertainty": [2]})
    assert cqa_assessment(df, tool=load_scale(path)).attributes[0]["cqa"] is True
    assert cqa_assessment(df).attributes[0]["cqa"] is False


def test_site_ap_table(tmp_path):
    doc = _doc("aiag-vda")
    doc["action_priority"]["cells"][4] = ["MMMM", "LLLL", "LLLL", "LLLL", "LLLL"]
    path = _write(tmp_path, doc)
    assert action_priority(1, 9, 9, scale=str(path)) == "M"
    assert action_priority(1, 9, 9) == "L"


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["dimensions"].pop("detection"), None),
    (lambda d: d["action_priority"]["cells"][0].__setitem__(0, "HHXH"), "action_priority"),
    (lambda d: d["dimensions"]["severity"]["levels"].append(
        {"score": 10, "label_en": "x", "label_zh": "x"}), "dimensions.severity"),
    (lambda d: d.__setitem__("kind", "nonsense"), "kind"),
    (lambda d: d.__setitem__("surprise", 1), "surprise"),
    (lambda d: d["action_priority"].__setitem__("severity_bands", [[9, 10], [7, 8], [4, 6], [2, 3]]),
     "action_priority"),
])
def test_bad_scale_files_are_input_errors(tmp_path, mutate, field):
    doc = _doc("aiag-vda")
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(QbdInputError) as exc:
        load_scale_file(path)
    assert exc.value.first.file == str(path)
    assert exc.value.first.message.startswith("bad scale file")
    if field:
        assert any((p.column or "").startswith(field) or field in (p.message or "")
                   for p in exc.value.problems)


def test_not_yaml_and_missing_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as exc:
        load_scale_file(p)
    assert "not valid YAML" in exc.value.first.message
    with pytest.raises(QbdInputError):
        load_scale_file(tmp_path / "none.yaml")
    with pytest.raises(QbdInputError) as exc:
        load_scale("no-such-scale")
    assert "aiag-vda" in exc.value.first.expected


def test_wrong_kind():
    with pytest.raises(QbdInputError) as exc:
        action_priority(5, 5, 5, scale="amab-1")
    assert exc.value.first.expected == "fmea"
