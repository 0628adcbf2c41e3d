"""`qbdkit stability|comparability|change` commands (in-process)."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data"
STAB = DATA / "stability"
COMP = DATA / "comparability"


def test_shelf_life_json_has_the_issue_shape(cli):
    r = cli("stability", "shelf-life", STAB / "common_slope.csv", "--batch", "batch", "--time",
            "month", "--value", "potency", "--lower", "95", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["model"] == "common-slope" and j["worst_batch"] == "C"
    assert set(j["poolability"]) >= {"slopes_p", "intercepts_p"}
    assert j["shelf_life"] == pytest.approx(25.2136311525, abs=1e-6)  # R, reference_output.txt
    assert set(j["per_batch"]) == {"A", "B", "C", "D"}


def test_shelf_life_html_and_random_batch(cli, tmp_path):
    out = tmp_path / "s.html"
    r = cli("stability", "shelf-life", STAB / "separate.csv", "--time", "month", "--value",
            "potency", "--lower", "95", "--random-batch", "--out", out, "--lang", "zh")
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "货架期" in html and "随机批次" in html
    assert "Shelf life" in r.out and "random" in r.out


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text,needle", [
    ("batch,month,potency\nA,0,100\nA,3,99\nB,0,100\nB,3,99\nB,6,98\n", "bad.csv:2: month: batch A has fewer than 3"),
    ("batch,month,potency\nA,1,100\nA,3,99\nA,6,98\n", "bad.csv:2: month: batch A has no time zero"),
    ("batch,month,potency\nA,0,100\nA,x,99\nA,6,98\n", "bad.csv:3: month: time not numeric"),
    ("batch,month,potency\nA,0,100\nA,3,99\nA,6,98\nB,0,100\n", "bad.csv:5: potency: batch B has one value"),
])
def test_bad_input_exits_2_with_one_line(cli, tmp_path, text, needle):
    r = cli("stability", "shelf-life", _write(tmp_path, text), "--time", "month", "--value",
            "potency", "--lower", "95")
    assert r.code == 2 and r.out == ""
    assert needle in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_both_limits_missing_and_bad_options_exit_2(cli):
    r = cli("stability", "shelf-life", STAB / "common.csv", "--time", "month", "--value", "potency")
    assert r.code == 2 and "no acceptance criterion" in r.err
    assert "common.csv" in r.err and "lower/upper" in r.err
    r = cli("stability", "shelf-life", STAB / "common.csv", "--time", "month", "--value",
            "potency", "--lower", "95", "--transform", "sqrt")
    assert r.code == 2 and "--transform" in r.err
    r = cli("stability", "shelf-life", STAB / "common.csv", "--time", "months", "--value",
            "potency", "--lower", "95")
    assert r.code == 2 and "common.csv:1: months: missing column" in r.err


def test_oot_command(cli):
    r = cli("stability", "oot", STAB / "common.csv", "--time", "month", "--value", "potency",
            "--new-batch", "A", "--new-time", "30", "--new-value", "90", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["out_of_trend"] is True


def test_comparability_analyze(cli, tmp_path):
    out = tmp_path / "c.html"
    r = cli("comparability", "analyze", "--pre", COMP / "pre.csv", "--post", COMP / "post.csv",
            "--tier", "hmw=1", "--tier", "potency=2", "--tier", "acidic_variants=3",
            "--stability", COMP / "stability.csv", "--stability-time", "month",
            "--stability-value", "purity_sec", "--multivariate", "--json", "--out", out)
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert [a["tier"] for a in j["attributes"]] == [1, 2, 3]
    assert j["slopes"]["p_value"] == pytest.approx(0.0891656154, abs=1e-8)  # R
    assert "<svg" in out.read_text(encoding="utf-8")


def test_comparability_too_few_reference_lots_exits_2(cli):
    r = cli("comparability", "analyze", "--pre", COMP / "pre.csv", "--post", COMP / "post.csv",
            "--tier", "hmw=1", "--min-reference", "1=20")
    assert r.code == 2 and "pre.csv:1: hmw: too few pre-change lots for tier 1" in r.err
    r = cli("comparability", "analyze", "--pre", COMP / "pre.csv", "--post", COMP / "post.csv",
            "--tier", "colour=1")
    assert r.code == 2 and "colour" in r.err
    r = cli("comparability", "analyze", "--pre", COMP / "pre.csv", "--post", COMP / "post.csv",
            "--tier", "hmw")
    assert r.code == 2 and "--tier" in r.err


def test_change_classify(cli, tmp_path):
    r = cli("change", "classify", "--type", "scale", "--phase", "commercial", "--cqa-impact",
            "possible", "--json")
    assert r.code == 0, r.err
    j = json.loads(r.out)
    assert j["change_class"] == "major" and j["protocol"]["extended_characterisation"]
    out = tmp_path / "c.html"
    r = cli("change", "classify", "--type", "analytical_method", "--out", out, "--lang", "zh")
    assert r.code == 0 and "微小变更" in out.read_text(encoding="utf-8")
    r = cli("change", "classify", "--type", "teleport")
    assert r.code == 2 and "change_type" in r.err
