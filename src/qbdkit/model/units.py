"""A small controlled vocabulary of the units biologics CMC work uses, with aliases.

Why a table and not ``pint``: the units that matter here are domain counts and
ratios that pint does not know (``×10^6 cells/mL``, ``EU/mL``, ``VP/mL``,
``copies/cell``, ``g/L resin``, ``LMH``) and would need defining anyway; pint
also costs noticeable import time on every CLI start. What validation needs is
(1) to recognise a unit and its spellings (``°C`` = ``degC`` = ``℃``) so an
unknown unit can be reported, and (2) to tell when two places that must agree
(a parameter, its NOR and its PAR) name different units. No conversion is done:
a NOR in °C and a PAR in K is reported, not silently converted.

Each :class:`Unit` has a canonical symbol, a dimension (``temperature``,
``mass concentration``…) and aliases; matching ignores case only where the
symbol is unambiguous (``mL`` vs ``ML`` is never an issue here, but ``mM`` and
``MM`` would be, so matching is exact first, then case-insensitive on the
aliases marked safe).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    aliases: tuple[str, ...] = ()


def _u(symbol: str, dimension: str, *aliases: str) -> Unit:
    return Unit(symbol, dimension, tuple(aliases))


#: The vocabulary. Extend it here (one line per unit); the aliases include the
#: spellings seen in Chinese Excel exports (full-width symbols, 个/天/小时).
UNITS: tuple[Unit, ...] = (
    # temperature
    _u("°C", "temperature", "degC", "deg C", "℃", "C", "celsius", "摄氏度", "oC", "º C", "ºC", "° C"),
    _u("K", "temperature", "kelvin"),
    # dimensionless fractions and ratios
    _u("%", "fraction", "percent", "pct", "％", "% (v/v)", "% v/v", "% (w/v)", "% w/v", "% (w/w)",
       "% w/w", "% air saturation", "% of air saturation", "%DO", "% DO", "% WV", "% (WV)"),
    _u("ratio", "ratio", "w/w", "mol/mol", "fold", "×", "x"),
    _u("mol eq", "ratio", "eq", "equiv", "molar equivalents", "mol equiv"),
    _u("DV", "count", "diavolumes", "diavolume"),
    _u("CV", "count", "column volumes", "column volume"),
    _u("passages", "count", "passage", "代", "代次"),
    _u("cycles", "count", "cycle", "次"),
    # pressure
    _u("mmHg", "pressure", "mm Hg", "mm-Hg", "torr"),
    _u("kPa", "pressure"),
    _u("bar", "pressure"),
    _u("mbar", "pressure"),
    _u("psi", "pressure", "psig", "psid"),
    _u("MPa", "pressure"),
    _u("Pa", "pressure"),
    # osmolality, conductivity, molarity
    _u("mOsm/kg", "osmolality", "mOsmol/kg", "mosm/kg", "mOsm/kg H2O"),
    _u("mS/cm", "conductivity", "ms/cm"),
    _u("µS/cm", "conductivity", "uS/cm", "μS/cm"),
    _u("mM", "molarity", "mmol/L", "mmol/l"),
    _u("M", "molarity", "mol/L", "mol/l"),
    _u("µM", "molarity", "uM", "μM", "µmol/L", "umol/L"),
    # mass concentration
    _u("g/L", "mass concentration", "g/l"),
    _u("mg/mL", "mass concentration", "mg/ml"),
    _u("mg/L", "mass concentration", "mg/l"),
    _u("µg/mL", "mass concentration", "ug/mL", "μg/mL", "ug/ml"),
    _u("ng/mL", "mass concentration", "ng/ml"),
    _u("µg/L", "mass concentration", "ug/L"),
    _u("pg/mL", "mass concentration", "pg/ml"),
    _u("g/L resin", "resin load", "g/L-resin", "g/Lr", "g/L of resin", "g/L 树脂"),
    _u("g/m²", "area load", "g/m2", "g/m^2"),
    _u("L/m²", "area load", "L/m2", "L/m^2"),
    # impurity ratios
    _u("ng/mg", "impurity ratio", "ppm", "ng/mg protein"),
    _u("pg/mg", "impurity ratio", "pg/mg protein"),
    _u("µg/mg", "impurity ratio", "ug/mg", "μg/mg"),
    _u("ng/dose", "per dose", "ng/剂"),
    _u("pg/dose", "per dose"),
    _u("EU/dose", "per dose"),
    _u("VP/dose", "per dose", "vp/dose"),
    # endotoxin, microbiology, particles
    _u("EU/mL", "endotoxin", "EU/ml", "eu/mL"),
    _u("EU/mg", "endotoxin per mass", "eu/mg"),
    _u("EU/kg", "endotoxin per body mass"),
    # health-based exposure limits (PDE / ADE)
    _u("mg/day", "daily exposure", "mg/d"),
    _u("µg/day", "daily exposure", "ug/day", "μg/day", "µg/d", "ug/d"),
    _u("CFU/mL", "bioburden", "cfu/mL", "CFU/ml"),
    _u("CFU/10 mL", "bioburden per 10 mL", "cfu/10 mL", "CFU/10mL"),
    _u("CFU/100 mL", "bioburden per 100 mL", "cfu/100 mL", "CFU/100mL"),
    _u("particles/container", "particles", "particles/vial", "个/瓶", "个/容器"),
    # cells
    _u("×10^6 cells/mL", "cell density", "x10^6 cells/mL", "10^6 cells/mL", "1e6 cells/mL",
       "E6 cells/mL", "×10⁶ cells/mL", "x10E6 cells/mL", "10^6/mL", "×10^6/mL", "x10^6/mL",
       "×10^6 个/mL", "10^6 个/mL", "M cells/mL", "Mcells/mL", "x 10^6 cells/mL", "× 10^6 cells/mL"),
    _u("cells/mL", "cell density", "cells/ml", "个/mL"),
    _u("×10^6 cells", "cell count", "x10^6 cells", "10^6 cells", "1e6 cells", "×10^6 个"),
    _u("×10^8 cells", "cell count", "x10^8 cells", "10^8 cells", "1e8 cells"),
    _u("×10^9 cells", "cell count", "x10^9 cells", "10^9 cells", "1e9 cells"),
    _u("×10^6 cells/kg", "cell dose", "x10^6 cells/kg", "10^6 cells/kg", "1e6 cells/kg"),
    _u("cells", "cell count", "个细胞"),
    # vectors, genomes, infectivity
    _u("VP/mL", "particle titre", "vp/mL", "VP/ml", "vp/ml"),
    _u("vg/mL", "genome titre", "GC/mL", "gc/mL", "vg/ml", "genome copies/mL"),
    _u("vg/kg", "genome dose", "GC/kg", "gc/kg"),
    _u("TU/mL", "infectious titre", "tu/mL", "TU/ml", "IFU/mL"),
    _u("TCID50/mL", "infectious titre", "TCID50/ml"),
    _u("PFU/mL", "infectious titre", "pfu/mL"),
    _u("MOI", "multiplicity", "moi", "TU/cell", "vg/cell"),
    _u("copies/cell", "copy number", "copies per cell", "copies/transduced cell", "拷贝/细胞"),
    _u("copies/µg", "copy number per mass", "copies/ug", "copies/μg"),
    _u("bp", "length", "base pairs", "nt"),
    _u("IU/mL", "activity concentration", "IU/ml", "U/mL", "U/ml"),
    _u("IU", "activity", "U"),
    # time
    _u("s", "time", "sec", "second", "seconds", "秒"),
    _u("min", "time", "minute", "minutes", "mins", "分钟"),
    _u("h", "time", "hr", "hrs", "hour", "hours", "小时"),
    _u("d", "time", "day", "days", "天"),
    # rates, speeds, flows
    _u("rpm", "rotation", "r/min", "RPM", "转/分"),
    _u("× g", "relative centrifugal force", "xg", "x g", "×g", "g-force", "RCF"),
    _u("cm/h", "linear velocity", "cm/hr"),
    _u("LMH", "flux", "L/m²/h", "L/m2/h", "L/(m²·h)", "L/m^2/h"),
    _u("L/min", "volumetric flow", "L/min"),
    _u("mL/min", "volumetric flow", "ml/min"),
    _u("vvm", "specific gas flow"),
    _u("W/m³", "power per volume", "W/m3", "W/m^3"),
    # lengths, sizes, volumes, masses, areas
    _u("nm", "length", "nanometre", "nanometer"),
    _u("µm", "length", "um", "μm", "micron"),
    _u("mm", "length"),
    _u("cm", "length"),
    _u("m²", "area", "m2", "m^2"),
    _u("L", "volume", "l", "litre", "liter", "升"),
    _u("mL", "volume", "ml", "毫升"),
    _u("µL", "volume", "uL", "μL", "ul"),
    _u("kg", "mass"),
    _u("g", "mass"),
    _u("mg", "mass"),
    _u("µg", "mass", "ug", "μg"),
    _u("µg/m³", "air concentration", "ug/m3", "µg/m3", "μg/m³", "ug/m³"),
    _u("mg/kg", "body-mass dose"),
    _u("mg/vial", "per container"),
    _u("mL/vial", "per container volume"),
    _u("mV", "potential"),
    _u("cP", "viscosity", "mPa·s", "mPa s"),
    _u("kDa", "molecular mass"),
    _u("pH", "pH", "pH unit", "pH units"),
)

_EXACT: dict[str, Unit] = {}
_FOLDED: dict[str, Unit] = {}
for _unit in UNITS:
    for _spelling in (_unit.symbol, *_unit.aliases):
        _EXACT.setdefault(_spelling, _unit)
        _FOLDED.setdefault(" ".join(_spelling.casefold().split()), _unit)
# spellings whose case matters (milli vs mega, mass concentration vs molarity)
_CASE_SENSITIVE = {"m", "mm", "mM", "M", "Pa", "mpa", "MPa", "mS/cm", "ms/cm", "s", "S"}


def lookup_unit(text: str | None) -> Unit | None:
    """The :class:`Unit` for a spelling, or ``None`` if it is not in the vocabulary.

    Matching: exact, then whitespace-normalised, then case-insensitive (except
    for spellings where case changes the meaning, e.g. ``mM``/``MM``).
    """
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    hit = _EXACT.get(s) or _EXACT.get(" ".join(s.split()))
    if hit is not None:
        return hit
    if s in _CASE_SENSITIVE or s.casefold() in {"mm", "m", "s"}:
        return None
    return _FOLDED.get(" ".join(s.casefold().split()))


def normalize_unit(text: str | None) -> str | None:
    """Canonical symbol of ``text`` (``degC`` → ``°C``); unknown text is returned unchanged
    (stripped) so validation can report it; blank → ``None`` (dimensionless)."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    unit = lookup_unit(s)
    return unit.symbol if unit is not None else s


def is_known_unit(text: str | None) -> bool:
    """True for a blank unit (dimensionless) or one in the vocabulary."""
    return text is None or not str(text).strip() or lookup_unit(text) is not None


def example_units(n: int = 8) -> str:
    """A short list of known units for error messages."""
    picks = ["°C", "g/L", "%", "mmHg", "mOsm/kg", "×10^6 cells/mL", "EU/mL", "ng/mg", "VP/mL",
             "copies/cell", "min", "h", "d", "rpm", "L", "mL"]
    return ", ".join(picks[:n]) + ", …"
