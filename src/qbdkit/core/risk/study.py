"""Characterization-study planning (A-Mab case study 2009, upstream process characterization).

Each parameter gets a main-effect score and an interaction score on the same scale
(none 1 / minor 4 / major 8); severity = main effect × interaction, and

    severity ≥ 32      → multivariate study (DoE)
    8 ≤ severity ≤ 16  → multivariate, or univariate with justification
    severity = 4       → univariate study
    severity ≤ 2       → no study

A parameter with no data (cell ``no data`` / ``unknown`` / 无数据 / 未知) gets the
highest score (8) on that dimension, as A-Mab prescribes ("no data → highest rank").
The bands are data (``scales/data/study.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.risk._input import (
    STUDY_ALIASES,
    Collector,
    as_table,
    canonical,
    check_unique,
    passthrough,
)
from qbdkit.io.tables import Table, is_blank
from qbdkit.scales import Scale, load_scale

NO_DATA = {"no data", "nodata", "no_data", "nd", "n/d", "unknown", "无数据", "未知", "无资料"}


@dataclass(frozen=True)
class StudyPlanResult(Result):
    """``parameters``: ``name, main_effect, interaction, severity, study, no_data`` each."""

    parameters: list[dict[str, Any]]
    scale: str

    def summary(self) -> str:
        rows = [[p["name"], p["main_effect"], p["interaction"], p["severity"], p["study"],
                 "yes" if p["no_data"] else ""] for p in self.parameters]
        return ("Characterization-study plan (severity = main effect × interaction)\n"
                + format_table(["name", "main", "interaction", "severity", "study", "no data"],
                               rows))


def study_severity(main_effect: int, interaction: int) -> int:
    """Severity = main-effect score × interaction score (A-Mab)."""
    return int(main_effect) * int(interaction)


def study_plan(data: pd.DataFrame | Table, *, scale: str | Scale = "study") -> StudyPlanResult:
    """Plan characterization studies from ``name, main_effect, interaction`` (主效应, 交互作用)."""
    sc = load_scale(scale, kind="study")
    table = canonical(as_table(data), ["name", "main_effect", "interaction"], STUDY_ALIASES,
                      ["step"])
    n = len(table.frame)
    out = Collector(table)
    names = [table.text(i, "name") for i in range(n)]
    check_unique(table, "name", names, out)
    rows = []
    for i in range(n):
        vals: dict[str, int] = {}
        no_data = False
        for dim in ("main_effect", "interaction"):
            allowed = sc.dimension(dim).scores
            v = table.cell(i, dim)
            if not is_blank(v) and str(v).strip().lower() in NO_DATA:
                vals[dim] = max(allowed)
                no_data = True
            else:
                vals[dim] = out.run(lambda i=i, dim=dim, allowed=allowed:
                                    table.integer(i, dim, allowed=allowed), 0)
        sev = study_severity(vals["main_effect"], vals["interaction"])
        band = sc.band(sev)
        row = passthrough(table, i, ["name", "step"])
        row.update(name=names[i], main_effect=vals["main_effect"],
                   interaction=vals["interaction"], severity=sev,
                   study=None if band is None else band.code,
                   study_en=None if band is None else band.label_en,
                   study_zh=None if band is None else band.label_zh, no_data=no_data)
        rows.append(row)
    out.raise_if_any()
    return StudyPlanResult(parameters=rows, scale=sc.id)
