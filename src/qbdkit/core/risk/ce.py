"""Cause-and-effect (C&E) matrix: inputs (process parameters) × outputs (quality attributes).

Seed 000 (因果矩阵): relate key inputs to key outputs and compute one figure per input
from correlation and importance. Each output carries an importance weight w_j; each
cell a correlation c_ij on a fixed scale (default 0/1/3/9 = none/weak/moderate/strong;
A-Mab 2009 uses 1/5/7/10 for both). Then

    score_i = Σ_j w_j × c_ij

Inputs are ranked by score (descending; equal scores share the lower rank number,
listing order then follows the input file), with the Pareto cumulative percentage
``cumulative_pct_i = 100 × Σ_{k ≤ i} score_k / Σ_k score_k``. Selection of potential
CPPs (critical process parameters) for the DoE: ``score > threshold`` (A-Mab studies
inputs scoring > 300); with no threshold (the 0/1/3/9 scale publishes none) the inputs
that make up the first ``pareto_percent`` % (80 %) of the total score, i.e. those whose
preceding cumulative % is below 80.

File layout: first column ``input`` (输入 / 工艺参数), one column per output, one row
named ``weight`` (权重) holding the output weights. Columns with a blank weight and no
numbers (notes, units…) pass through.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.core.risk._input import (
    CE_INPUT_ALIASES,
    CE_WEIGHT_NAMES,
    Collector,
    as_table,
)
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import Table, is_blank, normalize_name
from qbdkit.scales import Scale, load_scale


def ce_scores(correlations: Any, weights: Any) -> list[float]:
    """score_i = Σ_j w_j c_ij for a matrix ``correlations`` (inputs × outputs) and ``weights``."""
    import numpy as np

    c = np.asarray(correlations, dtype=float)
    w = np.asarray(weights, dtype=float)
    return [float(x) for x in c @ w]


@dataclass(frozen=True)
class CeResult(Result):
    """``inputs`` in rank order: ``name, score, rank, cumulative_pct, selected,
    correlations`` (+ passed-through columns); ``outputs``: ``name, weight``."""

    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    scale: str
    threshold: float | None
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"inputs": self.inputs, "outputs": self.outputs, "scale": self.scale,
                            "threshold": self.threshold, "rule": self.rule})

    def potential_cpps(self) -> list[str]:
        return [r["name"] for r in self.inputs if r["selected"]]

    def summary(self) -> str:
        rows = [[r["rank"], r["name"], r["score"], r["cumulative_pct"],
                 "yes" if r["selected"] else ""] for r in self.inputs]
        return (f"C&E matrix ({self.scale}; selected: {self.rule}): "
                f"{len(self.potential_cpps())} potential CPPs\n"
                + format_table(["rank", "input", "score", "cumulative %", "selected"], rows,
                               floatfmt=".4g"))


def _is_number(v: Any) -> bool:
    if is_blank(v):
        return False
    try:
        float(str(v).strip()) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        return False
    return True


def cause_and_effect(data: pd.DataFrame | Table, *, scale: str | Scale = "0-1-3-9",
                     threshold: float | None = None,
                     weights: Mapping[str, float] | None = None) -> CeResult:
    """Score, rank and select inputs of a C&E matrix (see the module docstring).

    ``weights`` (output → weight) replaces the ``weight`` row (handy in notebooks, where
    ``data`` may also carry the input names as its index).
    """
    sc = load_scale(scale, kind="ce")
    if isinstance(data, pd.DataFrame) and not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index()
    table = as_table(data)
    if table.frame.empty or len(table.frame.columns) < 2:
        raise QbdInputError("not a C&E matrix", file=table.file, row=1,
                            expected="a first column 'input' and one column per output",
                            found=", ".join(table.columns))
    cols = table.columns
    alias_keys = {normalize_name(a) for a in CE_INPUT_ALIASES}
    input_col = next((c for c in cols if normalize_name(c) in alias_keys), cols[0])
    frame = table.frame.rename(columns={input_col: "input"})
    table = Table(frame=frame, file=table.file, encoding=table.encoding, rows=table.rows,
                  sheet=table.sheet)
    other = [c for c in table.columns if c != "input"]
    n = len(frame)
    labels = [table.text(i, "input") for i in range(n)]
    weight_rows = [i for i, v in enumerate(labels) if normalize_name(v) in CE_WEIGHT_NAMES]
    out = Collector(table)
    wdim = sc.dimensions.get("weight")
    cdim = sc.dimension("correlation")

    # -- weights ----------------------------------------------------------------------------
    w: dict[str, float] = {}
    if weights is not None:
        outputs = [c for c in other if c in weights]
        missing = [c for c in other if c not in weights and any(
            _is_number(table.cell(i, c)) for i in range(n))]
        for c in missing:
            out.add(Problem("no weight for output", table.file, None, c, expected="a weight"))
        for c in outputs:
            w[c] = float(weights[c])
    else:
        if not weight_rows:
            raise QbdInputError("no weight row", file=table.file, column="input",
                                expected="a row named 'weight' (权重) with the output weights",
                                found=", ".join(labels[:5]))
        if len(weight_rows) > 1:
            raise QbdInputError("more than one weight row", file=table.file,
                                row=table.row_of(weight_rows[1]), column="input",
                                expected="one row named 'weight' (权重)", found=labels[weight_rows[1]])
        wi = weight_rows[0]
        outputs = []
        for c in other:
            if is_blank(table.cell(wi, c)):
                if any(_is_number(table.cell(i, c)) for i in range(n) if i != wi):
                    out.add(table.problem(wi, c, "blank weight for an output column",
                                          expected="the output's weight", found=""))
                continue  # pass-through column (notes, units…)
            outputs.append(c)
            if wdim is not None:
                w[c] = out.run(lambda c=c: table.integer(wi, c, allowed=wdim.scores), 0)
            else:
                w[c] = out.run(lambda c=c: table.number(wi, c), 0.0) or 0.0
    for c, v in w.items():
        if not math.isfinite(v) or v < 0:
            out.add(Problem("weight must be a non-negative number", table.file, None, c,
                            expected="a weight >= 0", found=v))
    if not outputs and not out.problems:
        raise QbdInputError("no output columns", file=table.file, row=1,
                            expected="one column per output with its weight in the weight row")

    # -- correlations -------------------------------------------------------------------
    data_rows = [i for i in range(n) if i not in weight_rows]
    if not data_rows:
        raise QbdInputError("no input rows", file=table.file, row=2,
                            expected="one row per input below the header")
    seen: dict[str, int] = {}
    for i in data_rows:
        key = normalize_name(labels[i])
        if labels[i] == "":
            out.add(table.problem(i, "input", "blank cell", expected="an input name", found=""))
        elif key in seen:
            out.add(table.problem(i, "input", f"duplicate input (also on row {table.row_of(seen[key])})",
                                  expected="a unique value", found=labels[i]))
        else:
            seen[key] = i
    corr: dict[int, dict[str, int]] = {}
    for i in data_rows:
        corr[i] = {c: out.run(lambda i=i, c=c: table.integer(i, c, allowed=cdim.scores), 0)
                   for c in outputs}
    out.raise_if_any()

    # -- scores, ranks, selection -----------------------------------------------------------
    passthrough_cols = [c for c in other if c not in outputs]
    scored = []
    for i in data_rows:
        score = sum(w[c] * corr[i][c] for c in outputs)
        score = int(score) if float(score).is_integer() else float(score)
        extras = {c: (None if is_blank(table.cell(i, c)) else table.text(i, c))
                  for c in passthrough_cols}
        scored.append({"name": labels[i], "score": score, "correlations": corr[i], **extras})
    scored.sort(key=lambda r: -r["score"])  # stable: ties keep file order
    total = sum(r["score"] for r in scored)
    cut = threshold if threshold is not None else sc.threshold
    pct = sc.pareto_percent if sc.pareto_percent is not None else 80.0
    rule = f"score > {cut:g}" if cut is not None else f"first {pct:g} % of the total score (Pareto)"
    acc = 0.0
    prev_score, prev_rank = None, 0
    for k, r in enumerate(scored, start=1):
        before = 100.0 * acc / total if total else 0.0
        acc += r["score"]
        r["cumulative_pct"] = 100.0 * acc / total if total else 0.0
        if r["score"] != prev_score:
            prev_rank, prev_score = k, r["score"]
        r["rank"] = prev_rank
        if cut is not None:
            r["selected"] = bool(r["score"] > cut)
        else:
            r["selected"] = bool(total > 0 and r["score"] > 0 and before < pct)
    inputs = [{"name": r["name"], "score": r["score"], "rank": r["rank"],
               "cumulative_pct": r["cumulative_pct"], "selected": r["selected"],
               "correlations": r["correlations"],
               **{c: r[c] for c in passthrough_cols}} for r in scored]
    outs = [{"name": c, "weight": int(w[c]) if float(w[c]).is_integer() else w[c]}
            for c in outputs]
    return CeResult(inputs=inputs, outputs=outs, scale=sc.id,
                    threshold=None if cut is None else float(cut), rule=rule)
