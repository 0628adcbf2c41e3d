"""Viral clearance (ICH Q5A Appendices 4–5; tests/data/ppq/README.md)."""

import math

import pandas as pd
import pytest

from qbdkit.core.ppq import log_reduction, safety_margin, viral_clearance
from qbdkit.errors import QbdInputError


def test_q5a_appendix5_particles_per_dose():
    # 10^6 particles/mL × 10^3 mL per dose / 10^15 clearance = 10^-6 particles per dose
    sm = safety_margin(15.0, 1e6, 1e3)
    assert sm.log10_particles_per_dose_before == pytest.approx(9.0, abs=1e-12)
    assert sm.log10_particles_per_dose == pytest.approx(-6.0, abs=1e-12)
    assert sm.meets_target and sm.margin_log10 == pytest.approx(0.0, abs=1e-12)
    assert not safety_margin(14.0, 1e6, 1e3).meets_target


def test_q5a_appendix4_formula():
    # 10^R = v' 10^a' / (v'' 10^a'')
    v1, a1, v2, a2 = 100.0, 7.0, 120.0, 2.5
    assert log_reduction(a1, v1, a2, v2) == pytest.approx(math.log10(v1 * 10 ** a1 / (v2 * 10 ** a2)))


def _table():
    return pd.DataFrame([
        # step, mechanism, virus, log10 titres and volumes
        ("Protein A", "affinity", "XMuLV", 6.5, 100, 3.0, 110),
        ("Low pH", "low pH", "XMuLV", 6.0, 110, 1.2, 115),
        ("AEX", "anion exchange", "XMuLV", 6.3, 120, 1.0, 150),
        ("AEX polish", "anion exchange", "XMuLV", 6.0, 150, 2.5, 150),
        ("CEX", "cation exchange", "XMuLV", 6.1, 150, 5.4, 140),
        ("Nanofiltration", "size exclusion", "XMuLV", 6.4, 140, 1.0, 160),
        ("Nanofiltration", "size exclusion", "XMuLV", 6.4, 140, 1.4, 160),
    ], columns=["step", "mechanism", "virus", "load_titre", "load_volume", "output_titre",
                "output_volume"])


def test_orthogonal_steps_and_negligible_steps():
    res = viral_clearance(_table())
    steps = {s["step"]: s for s in res.steps}
    assert steps["CEX"]["reason"] == "negligible (≤ 1 log)" and not steps["CEX"]["counted"]
    assert steps["AEX polish"]["reason"] == "same mechanism as AEX"
    assert steps["AEX"]["counted"]
    nf = steps["Nanofiltration"]
    assert nf["runs"] == 2 and nf["lrv"] == pytest.approx(log_reduction(6.4, 140, 1.4, 160))
    expected = sum(steps[s]["lrv"] for s in ("Protein A", "Low pH", "AEX", "Nanofiltration"))
    assert res.viruses[0]["cumulative_lrv"] == pytest.approx(expected)
    mean = viral_clearance(_table(), replicates="mean")
    nf_mean = next(s for s in mean.steps if s["step"] == "Nanofiltration")
    assert nf_mean["lrv"] == pytest.approx(
        (log_reduction(6.4, 140, 1.0, 160) + log_reduction(6.4, 140, 1.4, 160)) / 2)


def test_safety_margin_from_table_and_linear_titres():
    res = viral_clearance(_table(), particles_per_ml=1e6, volume_per_dose_ml=1e3)
    assert res.safety.virus == "XMuLV"
    assert res.safety.cumulative_lrv == pytest.approx(res.viruses[0]["cumulative_lrv"])
    lin = _table().assign(load_titre=lambda d: 10 ** d.load_titre,
                          output_titre=lambda d: 10 ** d.output_titre)
    res_lin = viral_clearance(lin, titre_scale="linear")
    assert res_lin.viruses[0]["cumulative_lrv"] == pytest.approx(
        viral_clearance(_table()).viruses[0]["cumulative_lrv"])


def test_bad_titres_name_row_and_column():
    t = _table().assign(_row=range(2, 9))
    t.loc[2, "output_titre"] = float("nan")
    with pytest.raises(QbdInputError) as err:
        viral_clearance(t, file="vc.csv")
    p = err.value.first
    assert (p.file, p.row, p.column) == ("vc.csv", 4, "output_titre")
    lin = _table().assign(load_titre=lambda d: 10 ** d.load_titre, output_titre=1.0)
    lin.loc[0, "load_titre"] = -5.0
    with pytest.raises(QbdInputError) as err:
        viral_clearance(lin, titre_scale="linear")
    assert err.value.first.column == "load_titre" and err.value.first.row == 2
    bad_vol = _table()
    bad_vol.loc[1, "load_volume"] = 0
    with pytest.raises(QbdInputError) as err:
        viral_clearance(bad_vol)
    assert err.value.first.column == "load_volume"
