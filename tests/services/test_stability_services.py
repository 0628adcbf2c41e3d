"""Stability and comparability services: requests, kinds, re-run from the request."""

from pathlib import Path

import pytest

from qbdkit.services.comparability import (
    ChangeRequest,
    ComparabilityRequest,
    run_change,
    run_comparability,
)
from qbdkit.services.kinds import get_kind
from qbdkit.services.stability import ShelfLifeRequest, run_shelf_life

DATA = Path(__file__).parents[1] / "data"


def test_kinds_are_registered_in_their_stages():
    assert get_kind("stability.shelf_life").stage == "stability"
    assert get_kind("stability.trend").stage == "stability"
    assert get_kind("comparability.analysis").stage == "comparability"
    assert get_kind("change.classification").stage == "change"
    assert get_kind("stability.shelf_life").title["zh"] == "货架期（ICH Q1E）"


def test_shelf_life_request_round_trips_and_reruns_identically():
    req = ShelfLifeRequest(file=DATA / "stability" / "separate.csv", time="month",
                           value="potency", lower=95)
    again = ShelfLifeRequest.model_validate_json(req.model_dump_json())
    assert ShelfLifeRequest.input_fields() == ["file"]
    assert run_shelf_life(req).to_dict() == run_shelf_life(again).to_dict()


def test_chinese_headers_and_gb18030(tmp_path):
    src = (DATA / "stability" / "common.csv").read_text().replace("batch,month,potency",
                                                                    "批次,月,含量")
    p = tmp_path / "稳定性.csv"
    p.write_bytes(src.encode("gb18030"))
    r = run_shelf_life(ShelfLifeRequest(file=p, batch="批次", time="月", value="含量", lower=95))
    assert r.shelf_life == pytest.approx(26.9060331901, abs=1e-6)


def test_comparability_defaults_to_tier_2_for_shared_attributes():
    r = run_comparability(ComparabilityRequest(pre=DATA / "comparability" / "pre.csv",
                                               post=DATA / "comparability" / "post.csv"))
    assert {a.tier for a in r.attributes} == {2} and len(r.attributes) == 4


def test_change_with_site_rule_file(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("id: site\nversion: 2\nrules:\n  - id: all-major\n    when: {change_type: site}"
                     "\n    class: major\n    reason: {en: SOP, zh: SOP}\n    source: SOP-12\n"
                     "protocols:\n  major: {lots: '3'}\n", encoding="utf-8")
    r = run_change(ChangeRequest(change_type="site", rules=rules))
    assert r.change_class == "major" and r.rules_id == "site" and r.protocol["lots"] == "3"
