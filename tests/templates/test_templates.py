"""Modality templates: consistent, bilingual, every numeric limit sourced, and the numbers equal
the published ones quoted in tests/data/model/modalities.md (copy of shared/reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdkit.model import check_project
from qbdkit.templates import TEMPLATES, available, load_template, new_project

MODALITIES = ["mab", "adc", "car-t", "aav", "adenovirus", "lentivirus", "mrna-lnp"]
REFERENCE = (Path(__file__).parents[1] / "data" / "model" / "modalities.md").read_text("utf-8")


def test_all_templates_exist():
    assert sorted(available()) == sorted(MODALITIES) == sorted(TEMPLATES)


@pytest.mark.parametrize("modality", MODALITIES)
def test_template_is_consistent(modality):
    p = load_template(modality)
    assert p.product.modality == modality
    assert p.template == modality
    assert check_project(p) == []
    assert len(p.process.unit_operations) >= 5
    assert len(p.quality_attributes) >= 10
    # every quality attribute has a release test (method) and at least one acceptance criterion
    for a in p.quality_attributes:
        assert a.method, a.name
        assert a.acceptance, a.name


@pytest.mark.parametrize("modality", MODALITIES)
def test_labels_are_bilingual(modality):
    p = load_template(modality)
    named = [p, p.product, p.process, *p.qtpp, *p.quality_attributes, *p.process.unit_operations,
             *(x for _, x in p.process.parameters()), *p.materials, *p.studies,
             *(a for m in p.materials for a in m.attributes)]
    for n in named:
        assert n.label.en and n.label.zh, n.name


@pytest.mark.parametrize("modality", MODALITIES)
def test_every_numeric_limit_names_its_source(modality):
    p = load_template(modality)
    for a in p.quality_attributes:
        for c in a.acceptance:
            if c.low is not None or c.high is not None:
                assert c.source, (a.name, c)
                _typical_is_marked(c.source, c.typical)
    for _, x in p.process.parameters():
        if x.set_point is not None or x.nor or x.par or x.studied:
            assert x.source, x.name
            _typical_is_marked(x.source, x.typical)
    for m in p.materials:
        for ma in m.attributes:
            if ma.range is not None:
                assert ma.source, ma.name


def _typical_is_marked(source: str, typical: bool) -> None:
    """[T] values are flagged typical and say "typical, confirm"; nothing else is flagged typical
    without saying so."""
    if "[T]" in source:
        assert typical, source
    if typical:
        assert "typical" in source and "confirm" in source, source


# ---- numbers equal to the published ones (modalities.md quotes A-Mab [A] and seed 003 [G]) ----
def _par(modality, uo, name):
    return load_template(modality).parameter(name, uo)


def _crit(modality, attr, stage=None):
    a = load_template(modality).attribute(attr)
    return next(c for c in a.acceptance if stage is None or c.stage == stage)


@pytest.mark.parametrize(("name", "low", "high", "unit", "quoted"), [
    ("temperature", 34, 36, "°C", "T 34–36 °C"),
    ("dissolved_oxygen", 30, 70, "%", "DO 30–70 %"),
    ("pco2", 40, 160, "mmHg", "pCO2 40–160 mmHg"),
    ("ph", 6.6, 7.1, None, "pH 6.6–7.1"),
    ("osmolality", 360, 440, "mOsm/kg", "osmolality 360–440"),
    ("feed_volume", 9, 15, "%", "feed 9–15 % WV"),
    ("seeding_density", 0.7, 1.3, "×10^6 cells/mL", "seeding 0.7–1.3 ×10^6 cells/mL"),
    ("culture_duration", 15, 19, "d", "duration 15–19 d"),
])
def test_mab_bioreactor_ranges_match_a_mab(name, low, high, unit, quoted):
    assert quoted in REFERENCE.replace("\n  ", " ")
    p = _par("mab", "production_bioreactor", name)
    assert (p.studied.low, p.studied.high, p.unit) == (low, high, unit)


def test_mab_downstream_ranges_match_a_mab():
    assert "load 10–50 g/L resin, elution pH 3.2–3.9" in REFERENCE.replace("\n  ", " ")
    assert (_par("mab", "protein_a", "load").studied.low, _par("mab", "protein_a", "load").studied.high) == (10, 50)
    assert _par("mab", "protein_a", "elution_ph").studied.model_dump() == {"low": 3.2, "high": 3.9, "unit": None}
    vi = _par("mab", "low_ph_vi", "vi_ph")
    assert (vi.studied.low, vi.studied.high, vi.classification) == (3.2, 4.0, "CPP")
    assert (_par("mab", "low_ph_vi", "vi_time").studied.low, _par("mab", "low_ph_vi", "vi_time").studied.high) == (60, 180)


@pytest.mark.parametrize(("attr", "stage", "low", "high", "unit"), [
    ("aggregates", "DS release", None, 3, "%"),
    ("aggregates", "DP release", None, 5, "%"),
    ("hcp", None, None, 100, "ng/mg"),
    ("afucosylation", None, 2, 13, "%"),
    ("galactosylation", None, 10, 40, "%"),
    ("endotoxin", None, None, 12.5, "EU/mL"),
])
def test_mab_acceptance_matches_a_mab(attr, stage, low, high, unit):
    assert "aggregate DS ≤ 3 %, DP ≤ 5 %; HCP ≤ 100 ng/mg" in REFERENCE.replace("\n", " ")
    c = _crit("mab", attr, stage)
    a = load_template("mab").attribute(attr)
    assert (c.low, c.high, a.unit) == (low, high, unit)
    assert "A-Mab" in c.source and not c.typical


@pytest.mark.parametrize("modality", ["aav", "adenovirus", "lentivirus"])
def test_gene_therapy_host_dna_limits_match_seed_003(modality):
    assert "residual host DNA ≤ 10\n  ng/dose and fragments ≤ 200 bp" in REFERENCE
    dna = _crit(modality, "host_dna")
    frag = _crit(modality, "host_dna_fragment")
    assert (dna.high, load_template(modality).attribute("host_dna").unit) == (10, "ng/dose")
    assert (frag.high, load_template(modality).attribute("host_dna_fragment").unit) == (200, "bp")
    assert dna.source == frag.source == "seed 003 §8.1.3.2 [G]"


def test_lentivirus_rcl_not_detected():
    assert _crit("lentivirus", "rcl").text == "not detected"


def test_car_t_published_and_typical_values():
    assert _crit("car-t", "viability").low == 70
    assert _crit("car-t", "vcn").high == 5
    # endotoxin per kg body weight: K = 5 EU/kg per hour (USP <85>, ChP 1143)
    assert _crit("car-t", "endotoxin").high == 5
    assert load_template("car-t").attribute("endotoxin").unit == "EU/kg"
    moi = _par("car-t", "transduction", "moi")
    assert (moi.studied.low, moi.studied.high, moi.typical) == (1, 10, True)
    il2 = _par("car-t", "expansion", "il2")
    assert (il2.studied.low, il2.studied.high, il2.unit) == (50, 300, "IU/mL")


def test_mrna_lnp_typical_values_are_flagged():
    size = _crit("mrna-lnp", "particle_size")
    assert (size.low, size.high, size.typical) == (60, 150, True)
    assert _crit("mrna-lnp", "capping").low == 90
    assert _par("mrna-lnp", "lnp_formation", "np_ratio").set_point == 6
    assert _par("mrna-lnp", "lnp_formation", "np_ratio").typical


def test_adc_tcep_is_typical():
    t = _par("adc", "reduction", "tcep_equivalents")
    assert (t.studied.low, t.studied.high, t.unit, t.typical) == (1.5, 3, "mol eq", True)


def test_mab_unit_operations_in_process_order():
    names = [u.name for u in load_template("mab").process.unit_operations]
    assert names == ["seed_train", "production_bioreactor", "harvest", "protein_a", "low_ph_vi",
                     "cex", "aex", "virus_filtration", "ufdf", "fill"]


def test_new_project_language_and_name():
    p = new_project("aav", lang="zh")
    assert p.language == "zh" and p.name == "新AAV 载体项目"
    assert new_project("aav", name="AAV-X").name == "AAV-X"


@pytest.mark.parametrize("modality", MODALITIES)
def test_init_every_modality_validates(cli, tmp_path, modality):
    d = tmp_path / modality
    assert cli("init", d, "--modality", modality, "--lang", "zh").code == 0
    r = cli("validate", d)
    assert r.code == 0, r.err


@pytest.mark.parametrize("modality", MODALITIES)
def test_typical_flags_everywhere_say_confirm(modality):
    p = load_template(modality)
    sourced = [*p.qtpp, *p.quality_attributes, *(x for _, x in p.process.parameters()),
               *(c for a in p.quality_attributes for c in a.acceptance),
               *(a for m in p.materials for a in m.attributes)]
    for s in sourced:
        if s.typical:
            assert s.source and "typical" in s.source and "confirm" in s.source, s
