"""Specification proposal: tolerance interval, clinical range, guidance limit side by side."""

import numpy as np
import pytest

from qbdkit.core.spec import propose_specification
from qbdkit.core.stats.tolerance import normal_interval, random_effects_interval
from qbdkit.errors import QbdInputError

REL = [98.1, 98.3, 97.9, 98.0, 98.6, 98.4, 98.2, 98.1, 98.5, 98.2]


def test_two_sided_tolerance_interval_proposed():
    ti = normal_interval(REL, 0.99, 0.95)
    p = propose_specification("purity", REL, coverage=0.99, confidence=0.95,
                              clinical_values=[97.0, 99.5], guidance_lower=90,
                              guidance_upper=100, guidance_source="template", unit="%")
    assert (p.proposed_lower, p.proposed_upper) == pytest.approx((ti.lower, ti.upper))
    assert p.basis_lower == p.basis_upper == "tolerance interval" and p.flags == []
    assert [s["source"] for s in p.sources] == ["tolerance interval", "clinical experience",
                                                "guidance limit"]
    assert p.method == "normal" and "Proposed acceptance criterion" in p.rationale_text()[-1]


def test_capped_by_guidance_and_flags():
    p = propose_specification("HCP", [40.0, 55.0, 70.0, 62.0, 48.0], direction="upper",
                              guidance_upper=100, clinical_values=[40, 70], decimals=0)
    assert p.proposed_upper == 100 and p.basis_upper == "guidance limit"
    assert p.proposed_lower is None
    assert "beyond-guidance-upper" in p.flags and "beyond-clinical-upper" in p.flags
    zh = " ".join(p.rationale_text("zh"))
    assert "上容忍限" in zh and "超出指导限度" in zh


def test_outward_rounding_and_random_effects_auto():
    b = np.repeat(["A", "B", "C", "D"], 2)
    y = [98.1, 98.3, 97.9, 98.0, 98.6, 98.4, 98.2, 98.1]
    p = propose_specification("purity", y, release_batches=b, direction="lower", decimals=1)
    ti = random_effects_interval(y, b, 0.99, 0.95, sides=1)
    assert p.method == "random-effects"
    assert p.proposed_lower == pytest.approx(np.floor(ti.lower * 10) / 10)


def test_stability_flag_and_bad_input():
    p = propose_specification("purity", REL, direction="lower",
                              stability_values=np.array(REL) - 1.0)
    assert "stability-beyond-lower" in p.flags and p.stability_interval is not None
    with pytest.raises(QbdInputError):
        propose_specification("purity", [98.0])
    with pytest.raises(QbdInputError):
        propose_specification("purity", REL, direction="sideways")
    with pytest.raises(QbdInputError):
        propose_specification("purity", REL, coverage=0)
