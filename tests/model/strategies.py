"""Hypothesis strategies for internally consistent projects (unique names, valid references,
set point ∈ NOR ⊆ PAR ⊆ studied range, units from the vocabulary)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from qbdkit.model import (
    Batch,
    Criterion,
    Criticality,
    Label,
    Material,
    MaterialAttribute,
    Measurement,
    Parameter,
    Process,
    Product,
    Project,
    QTPPElement,
    QualityAttribute,
    Range,
    Study,
    UnitOperation,
)
from qbdkit.model.schema import loose_key

UNITS = ["°C", "g/L", "%", "mmHg", "mOsm/kg", "×10^6 cells/mL", "EU/mL", "ng/mg", "min", "h", "rpm",
         "L", None]
# text a user may write: letters (Latin and CJK), digits, spaces and punctuation inside
_alphabet = st.characters(codec="utf-8", categories=("L", "N", "Zs", "P", "S"),
                          exclude_characters="\u2028\u2029\x85")
text = st.text(_alphabet, min_size=1, max_size=12).map(str.strip).filter(bool)
opt_text = st.none() | text
# a project name as the store accepts it (qbdkit.services.projects._check_name): letters of
# any script, decimal digits, space, '-', '_', '.', starting with a letter or a digit
project_names = st.text(st.characters(categories=("L", "Nd"), include_characters=" -_.",
                                      exclude_characters="\u2028\u2029\x85"),
                        min_size=1, max_size=100).map(str.strip).filter(
    lambda s: bool(s) and s[0] not in " -_.")
# a value that must stay text in a CSV cell (never reads back as a number)
word = st.text("abcdefgXYZ合格符合", min_size=1, max_size=8).filter(lambda s: s[0] not in "e")
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
label = st.builds(Label, en=opt_text, zh=opt_text)


def names(n_min: int, n_max: int) -> st.SearchStrategy[list[str]]:
    return st.lists(text, min_size=n_min, max_size=n_max,
                    unique_by=lambda s: s.casefold())


@st.composite
def nested_ranges(draw, unit):
    xs = sorted(draw(st.lists(finite, min_size=7, max_size=7)))
    sp = xs[3]
    return dict(set_point=sp, nor=Range(low=xs[2], high=xs[4]),
                par=Range(low=xs[1], high=xs[5], unit=draw(st.sampled_from([None, unit])) if unit else None),
                studied=Range(low=xs[0], high=xs[6]))


@st.composite
def parameter(draw, name):
    if draw(st.booleans()):
        levels = draw(st.lists(word, min_size=1, max_size=3, unique=True))
        return Parameter(name=name, label=draw(label), type="categorical", levels=levels,
                         set_point=draw(st.sampled_from(levels)), source=draw(opt_text),
                         typical=draw(st.booleans()))
    unit = draw(st.sampled_from(UNITS))
    return Parameter(name=name, label=draw(label), unit=unit, **draw(nested_ranges(unit)),
                     scale=draw(opt_text), classification=draw(st.sampled_from([None, "CPP", "WC-CPP", "KPP", "GPP"])),
                     notes=draw(opt_text), source=draw(opt_text), typical=draw(st.booleans()))


@st.composite
def projects(draw) -> Project:
    qa_names = draw(names(0, 4))
    qas = []
    for n in qa_names:
        unit = draw(st.sampled_from(UNITS))
        lo = draw(st.none() | finite)
        hi = None if lo is None else lo + draw(st.floats(0, 100))
        qas.append(QualityAttribute(
            name=n, label=draw(label), category=draw(opt_text), unit=unit, method=draw(opt_text),
            acceptance=[Criterion(stage=draw(opt_text), low=lo, high=hi, unit=unit, text=draw(opt_text),
                                  source=draw(opt_text), typical=draw(st.booleans()))],
            criticality=draw(st.none() | st.builds(Criticality, impact=st.sampled_from([2, 4, 12, 16, 20]),
                                                   uncertainty=st.sampled_from([1, 2, 3, 5, 7]),
                                                   critical=st.booleans())),
            rationale=draw(opt_text)))
    qtpp = [QTPPElement(name=n, label=draw(label), target=draw(opt_text),
                        attributes=draw(st.lists(st.sampled_from(qa_names), max_size=2)) if qa_names else [])
            for n in draw(names(0, 3))]
    uo_names = draw(names(1, 3))
    uos = []
    all_params = []
    taken = {loose_key(q) for q in qa_names}
    for n in uo_names:
        # a parameter named like an attribute makes a measurement of that name ambiguous
        pnames = [p for p in draw(names(0, 3)) if loose_key(p) not in taken]
        all_params += pnames
        uos.append(UnitOperation(name=n, label=draw(label), stage=draw(opt_text),
                                 parameters=[draw(parameter(p)) for p in pnames]))
    materials = [Material(name=n, type=draw(opt_text), used_in=draw(st.lists(st.sampled_from(uo_names), max_size=2)),
                          attributes=[MaterialAttribute(name="purity", unit="%", range=Range(low=90.0, high=100.0))])
                 for n in draw(names(0, 2))]
    study_names = draw(names(0, 2))
    studies = [Study(name=n, kind=draw(st.sampled_from(["risk", "sdm", "doe", "ppq", "stability", "cpv"])),
                     unit_operations=draw(st.lists(st.sampled_from(uo_names), max_size=2)),
                     attributes=draw(st.lists(st.sampled_from(qa_names), max_size=2)) if qa_names else [])
               for n in study_names]
    batch_ids = draw(st.lists(word, min_size=0, max_size=4, unique=True))
    extra_keys = draw(st.lists(st.sampled_from(["operator", "备注2", "lot of resin"]), max_size=2, unique=True))
    batches = [Batch(id=b, kind=draw(st.sampled_from(["at-scale", "small-scale", "clinical", "PPQ"])),
                     scale=draw(st.none() | finite), scale_unit=draw(st.sampled_from([None, "L", "mL"])),
                     site=draw(opt_text), date=draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1))),
                     study=draw(st.sampled_from([None, *study_names])), notes=draw(opt_text),
                     extra={k: draw(text) for k in extra_keys if draw(st.booleans())})
               for b in batch_ids]
    measurements = []
    if batch_ids:
        for _ in range(draw(st.integers(0, 5))):
            uo = draw(st.sampled_from(uos))
            if uo.parameters and draw(st.booleans()):
                p = draw(st.sampled_from(uo.parameters))
                name, unit = p.name, p.unit
                # a numeric parameter takes numbers; a categorical one its levels
                value = draw(st.none() | finite) if p.type == "numeric" else draw(
                    st.sampled_from(p.levels))
            elif qas:
                a = draw(st.sampled_from(qas))
                name, unit, uo = a.name, a.unit, None
                value = draw(st.none() | finite | word)
            else:
                continue
            measurements.append(Measurement(
                batch=draw(st.sampled_from(batch_ids)), unit_operation=uo.name if uo else None,
                name=name, time=draw(st.none() | finite | st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2040, 1, 1))),
                time_unit=draw(st.sampled_from([None, "h", "d"])),
                value=value, unit=unit))
    return Project(
        name=draw(text), label=draw(label), description=draw(opt_text),
        language=draw(st.sampled_from(["en", "zh"])), template=draw(st.sampled_from([None, "mab"])),
        product=Product(name=draw(text), modality=draw(st.sampled_from(["mab", "adc", "car-t", "aav", "adenovirus", "lentivirus", "mrna-lnp"])),
                        dosage_form=draw(opt_text), route=draw(opt_text), dose=draw(opt_text)),
        qtpp=qtpp, quality_attributes=qas, process=Process(unit_operations=uos), materials=materials,
        studies=studies, batches=batches, measurements=measurements)
