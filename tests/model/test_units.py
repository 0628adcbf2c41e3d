"""The unit vocabulary: aliases map to one canonical symbol; unknown spellings are reported."""

import pytest

from qbdkit.model import UNITS, lookup_unit, normalize_unit
from qbdkit.model.units import is_known_unit


@pytest.mark.parametrize(("alias", "canonical"), [
    ("degC", "°C"), ("℃", "°C"), ("deg C", "°C"), ("°C", "°C"),
    ("g/l", "g/L"), ("percent", "%"), ("％", "%"), ("mm Hg", "mmHg"), ("mOsmol/kg", "mOsm/kg"),
    ("x10^6 cells/mL", "×10^6 cells/mL"), ("1e6 cells/mL", "×10^6 cells/mL"),
    ("×10^6 个/mL", "×10^6 cells/mL"), ("eu/mL", "EU/mL"), ("ppm", "ng/mg"), ("ng/dose", "ng/dose"),
    ("vp/mL", "VP/mL"), ("copies per cell", "copies/cell"), ("minutes", "min"), ("hr", "h"),
    ("小时", "h"), ("days", "d"), ("天", "d"), ("RPM", "rpm"), ("r/min", "rpm"), ("litre", "L"),
    ("ml", "mL"), ("mmol/L", "mM"), ("ug/mL", "µg/mL"), ("μg/mL", "µg/mL"), ("LMH", "LMH"),
    ("  g/L  ", "g/L"),
])
def test_aliases(alias, canonical):
    assert normalize_unit(alias) == canonical


def test_case_matters_where_it_changes_the_meaning():
    assert lookup_unit("mM").symbol == "mM"
    assert lookup_unit("M").symbol == "M"
    assert lookup_unit("MM") is None           # neither mM nor mm: ambiguous → unknown
    assert lookup_unit("mm").symbol == "mm"
    assert lookup_unit("MPa").symbol == "MPa"
    assert lookup_unit("mS/cm").dimension == "conductivity"


def test_unknown_and_blank():
    assert lookup_unit("furlongs") is None
    assert normalize_unit("furlongs") == "furlongs"  # kept so validation can report it
    assert normalize_unit("") is None and normalize_unit(None) is None
    assert is_known_unit(None) and is_known_unit("h") and not is_known_unit("parsecs")


def test_same_dimension_different_units_are_different():
    assert lookup_unit("°C").dimension == lookup_unit("K").dimension == "temperature"
    assert lookup_unit("°C").symbol != lookup_unit("K").symbol


def test_vocabulary_has_no_conflicting_spellings():
    seen = {}
    for u in UNITS:
        for s in (u.symbol, *u.aliases):
            assert seen.setdefault(s, u.symbol) == u.symbol, s
