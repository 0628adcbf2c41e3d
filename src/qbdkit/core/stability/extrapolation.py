"""How far beyond the long-term data a proposed shelf life may go: ICH Q1E Appendix A.

X = the period covered by long-term data; Y = the proposed retest period / shelf life.
The decision tree of ICH Q1E (2003) Appendix A, §§2.4–2.6:

Room temperature (long-term 25 °C / 30 °C; §2.4)

* no significant change at accelerated; long-term and accelerated data show little or no
  change and little or no variability (§2.4.1.1): statistics normally unnecessary;
  Y ≤ 2X and ≤ X + 12 months;
* no significant change at accelerated; change and/or variability (§2.4.1.2): data
  statistically analysed → Y ≤ 2X and ≤ X + 12; not amenable to statistics but with
  relevant supporting data → Y ≤ 1.5X and ≤ X + 6;
* significant change at accelerated, none at intermediate (§2.4.2.1): statistically
  analysed → Y ≤ 1.5X and ≤ X + 6; not amenable → Y ≤ X + 3;
* significant change at intermediate (§2.4.2.2): no extrapolation (Y ≤ X).

Refrigerated (long-term 5 °C, accelerated 25 °C; §2.5)

* no significant change at accelerated (§2.5.1): statistically analysed (or little/no
  change) → Y ≤ 1.5X and ≤ X + 6; not amenable → Y ≤ X + 3;
* significant change at accelerated (§2.5.2): no extrapolation.

Frozen (§2.6) and below −20 °C (§2.7): no extrapolation.

Biotechnological/biological products (``biologic=True``): ICH Q5C §5 asks for expiry
dating on real-time/real-temperature data, so no extrapolation is applied (Y ≤ X); the
seeds (004 §8, 003 §9) likewise base 有效期 on the stability data themselves.

Hand-written because this is a lookup of a guideline's table, not a computation any
library offers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qbdkit.core.result import Result
from qbdkit.errors import QbdInputError

__all__ = ["STORAGES", "Extrapolation", "extrapolation_limit"]

STORAGES = ("room", "refrigerated", "frozen", "below-20")


@dataclass(frozen=True)
class Extrapolation(Result):
    """The Appendix A rule applied: the longest shelf life the data may support."""

    storage: str
    data_time: float
    """X: period covered by long-term data."""
    factor: float
    """Multiple of X allowed (1 = no extrapolation; inf = no multiple, only ``beyond``)."""
    beyond: float
    """Months allowed beyond X (0 = no extrapolation)."""
    limit: float
    """min(factor × X, X + beyond)."""
    clause: str
    """ICH Q1E section applied."""
    statement: str

    def summary(self) -> str:
        return self.statement


def extrapolation_limit(
    data_time: float,
    *,
    storage: str = "room",
    accelerated_change: bool | None = False,
    intermediate_change: bool | None = None,
    little_change: bool = False,
    statistics: bool = True,
    biologic: bool = False,
) -> Extrapolation:
    """Apply ICH Q1E Appendix A (see the module docstring).

    ``accelerated_change``/``intermediate_change``: significant change (ICH Q1A(R2)
    §2.2.7) at the accelerated / intermediate condition (None = not studied, taken as no
    change for accelerated and as change for intermediate when accelerated changed).
    ``little_change``: long-term and accelerated data show little or no change and
    variability. ``statistics``: the long-term data were analysed statistically (True when
    a regression shelf life was estimated).
    """
    if storage not in STORAGES:
        raise QbdInputError("unknown storage", column="storage", expected=" | ".join(STORAGES),
                            found=storage)
    x = float(data_time)
    acc = bool(accelerated_change)
    if biologic:
        factor, beyond, clause = 1.0, 0.0, "ICH Q5C §5 (real-time data)"
    elif storage in ("frozen", "below-20"):
        factor, beyond, clause = 1.0, 0.0, "ICH Q1E §2.6" if storage == "frozen" else "ICH Q1E §2.7"
    elif storage == "refrigerated":
        if acc:
            factor, beyond, clause = 1.0, 0.0, "ICH Q1E §2.5.2"
        elif statistics or little_change:
            factor, beyond, clause = 1.5, 6.0, "ICH Q1E §2.5.1"
        else:
            factor, beyond, clause = math.inf, 3.0, "ICH Q1E §2.5.1 (not amenable)"
    elif not acc:
        if little_change or statistics:
            factor, beyond = 2.0, 12.0
            clause = "ICH Q1E §2.4.1.1" if little_change else "ICH Q1E §2.4.1.2"
        else:
            factor, beyond, clause = 1.5, 6.0, "ICH Q1E §2.4.1.2 (not amenable)"
    elif intermediate_change is None or intermediate_change:
        factor, beyond, clause = 1.0, 0.0, "ICH Q1E §2.4.2.2"
    elif statistics:
        factor, beyond, clause = 1.5, 6.0, "ICH Q1E §2.4.2.1"
    else:
        factor, beyond, clause = math.inf, 3.0, "ICH Q1E §2.4.2.1 (not amenable)"
    limit = min(factor * x, x + beyond)
    if beyond == 0:
        text = (f"{clause}: no extrapolation — the shelf life may not exceed the {x:g} "
                "covered by long-term data")
    else:
        parts = [f"{factor:g} × X" if math.isfinite(factor) else None, f"X + {beyond:g}"]
        rule = " and ".join(p for p in parts if p)
        text = (f"{clause}: extrapolation up to {rule} (X = {x:g}) → at most {limit:g}")
    return Extrapolation(storage=storage, data_time=x, factor=factor, beyond=beyond,
                         limit=float(limit), clause=clause, statement=text)
