"""Analyse a filled DoE run sheet: one fitted model per response.

:func:`analyze` fits every requested response with :func:`~.fit.fit_response`
(optionally reduced with :func:`~.fit.reduce_model`) and returns one
:class:`Analysis` whose ``to_dict()`` is the JSON of ``qbdkit doe analyze``:
``{"responses": [{"name", "terms": [{"term","coef","se","t","p",…}], "anova":
[{"source","df","ss","ms","f","p"}], "r2", "r2_adj", "q2", "rmse",
"residual_df", "lack_of_fit": {"f","p",…} | null, …}]}``.

Which columns are factors (for the keyword models), in this order: the
``factors`` argument; the ``factors`` sheet of a run-sheet workbook (contract C);
otherwise every column that is not a response, not bookkeeping (``run``,
``std_order``, ``block`` …), not entirely blank and looks designed — at most
max(5, n/2) distinct settings, as DoE factors have a few levels while measured
responses are mostly distinct. Pass ``factors`` when that guess is wrong.

A ``block`` column with two or more blocks (contract C) adds a sum-to-zero block
effect to the keyword models (see :func:`~.fit.fit_response`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qbdkit.core.doe.analysis.fit import (
    BOOKKEEPING,
    KEYWORD_MODELS,
    FactorSpec,
    FitResult,
    fit_response,
    reduce_model,
)
from qbdkit.core.result import Result, to_jsonable
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import Table, is_blank, normalize_name, read_table


@dataclass(frozen=True, eq=False)
class Analysis(Result):
    """Fitted models of every analysed response."""

    responses: tuple[FitResult, ...]
    factors: tuple[FactorSpec, ...]
    file: str | None = None
    reduced: bool = False
    alpha: float = 0.05
    actual: tuple[FitResult | None, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = []
        for i, r in enumerate(self.responses):
            d = r.to_dict()
            act = self.actual[i] if i < len(self.actual) else None
            if act is not None:
                # the same model in actual units (as MODDE/JMP/Design-Expert print both)
                d["terms_actual"] = to_jsonable(
                    [{"term": t["term"], "coef": t["coef"], "se": t["se"]} for t in act.term_rows()])
            out.append(d)
        return to_jsonable({
            "file": self.file,
            "factors": [f.to_dict() for f in self.factors],
            "reduced": self.reduced,
            "alpha": self.alpha,
            "responses": out,
        })

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Analysis:
        """Rebuild from :meth:`to_dict` (detached fits, see :meth:`FitResult.from_dict`)."""
        fits, actual = [], []
        for r in d["responses"]:
            fit = FitResult.from_dict(r)
            fits.append(fit)
            rows = r.get("terms_actual")
            if rows is None:
                actual.append(None)
                continue
            nan = [float("nan") if t["coef"] is None else t["coef"] for t in rows]
            se = [float("nan") if t["se"] is None else t["se"] for t in rows]
            actual.append(FitResult.from_dict({
                **r, "coding": "actual", "terms": [{"term": t["term"], "coef": c, "se": s_, "t": None,
                                                    "p": None, "vif": None}
                                                   for t, c, s_ in zip(rows, nan, se, strict=True)]}))
        return cls(tuple(fits), tuple(FactorSpec.from_dict(f) for f in d["factors"]), d.get("file"),
                   bool(d.get("reduced", False)), float(d.get("alpha", 0.05)), tuple(actual))

    def summary(self) -> str:
        return "\n\n".join(r.summary() for r in self.responses)

    def fit(self, response: str) -> FitResult:
        for r in self.responses:
            if r.response == response:
                return r
        raise KeyError(response)


def read_factor_sheet(path: str | Path) -> list[FactorSpec] | None:
    """The ``factors`` sheet of a run-sheet workbook (contract C), or ``None``."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        sheets = pd.ExcelFile(p, engine="openpyxl").sheet_names
    except Exception:  # unreadable workbooks are reported by read_table
        return None
    if "factors" not in sheets:
        return None
    t = read_table(p, sheet="factors")
    cols = {normalize_name(c): c for c in t.columns}
    if "name" not in cols:
        raise t.error(None, "name", "factors sheet has no 'name' column",
                      expected="columns name, type, low, high, unit, levels", found=", ".join(t.columns))
    out: list[FactorSpec] = []
    for i in range(len(t.frame)):
        name = t.text(i, cols["name"])
        kind = t.text(i, cols["type"]).lower() if "type" in cols else "numeric"
        unit = t.text(i, cols["unit"]) if "unit" in cols else ""
        if kind == "categorical":
            levels = t.text(i, cols["levels"]) if "levels" in cols else ""
            out.append(FactorSpec(name, "categorical", unit=unit,
                                  levels=tuple(x.strip() for x in levels.split(";") if x.strip())))
        else:
            low = t.number(i, cols["low"]) if "low" in cols else None
            high = t.number(i, cols["high"]) if "high" in cols else None
            out.append(FactorSpec(name, "numeric", low, high, unit))
    return out


def find_column(columns: Sequence[str], name: str, what: str, file: str | None) -> str:
    """``name`` as written, else a case/space-insensitive match; else an error listing the columns."""
    if name in columns:
        return name
    matches = [c for c in columns if normalize_name(c) == normalize_name(name)]
    if len(matches) == 1:
        return matches[0]
    raise QbdInputError(f"{what} column not found", file=file, row=1, column=name,
                        expected="one of the columns", found=", ".join(columns))


def guess_factors(frame: pd.DataFrame, responses: Sequence[str]) -> list[str]:
    """Designed-factor columns by the rule in the module docstring."""
    n = len(frame)
    out: list[str] = []
    for c in frame.columns:
        c = str(c)
        if c in responses or normalize_name(c) in BOOKKEEPING or c.strip() in BOOKKEEPING:
            continue
        vals = [v for v in frame[c].tolist() if not is_blank(v)]
        if not vals:
            continue
        distinct = len({str(v) for v in vals})
        if distinct <= max(5, n // 2) and distinct < n:
            out.append(c)
    return out


def analyze(
    data: pd.DataFrame | Table,
    responses: Sequence[str] = (),
    model: str = "quadratic",
    *,
    coding: str = "coded",
    factors: Sequence[FactorSpec | str] | None = None,
    reduce: bool = False,
    alpha: float = 0.05,
    anova_type: str = "III",
    transforms: Mapping[str, float | str | None] | None = None,
    file: str | None = None,
) -> Analysis:
    """Fit each response (see module docstring); raise one error listing every bad input."""
    if isinstance(data, Table):
        frame, rows, file = data.frame, data.rows, file or data.file
    else:
        frame, rows = data, None
    if not 0 < alpha < 1:
        raise QbdInputError("alpha out of range", column="alpha", expected="0 < alpha < 1", found=alpha)
    columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise QbdInputError("no data rows", file=file, row=2, expected="one row per run",
                            found="only a header")
    resp = list(dict.fromkeys(find_column(columns, r, "response", file) for r in responses))
    if not resp:
        if model in KEYWORD_MODELS or model.split("~", 1)[0].strip() == "":
            raise QbdInputError("no response given", column="response",
                                expected="--response NAME, or a formula 'NAME ~ …'",
                                found=", ".join(columns))
        lhs = model.split("~", 1)[0].strip().strip("`")
        resp = [lhs if lhs in columns else None]  # type: ignore[list-item]
    specs: list[FactorSpec | str] | None = None
    if factors:
        specs = [f if isinstance(f, FactorSpec) else FactorSpec(find_column(columns, f, "factor", file))
                 for f in factors]
        for s in specs:
            if isinstance(s, FactorSpec):
                find_column(columns, s.name, "factor", file)
    elif model in KEYWORD_MODELS:
        names = guess_factors(frame, [r for r in resp if r])
        if not names:
            raise QbdInputError("no factor columns found", file=file, row=1,
                                expected="factor columns with a few designed settings, or --factors",
                                found=", ".join(columns))
        specs = names
    check_run_ids(frame, rows, file)
    transforms = {find_column(columns, k, "transform", file): v for k, v in (transforms or {}).items()}
    block = find_block(frame, [r for r in resp if r], specs) if model in KEYWORD_MODELS else None
    fits: list[FitResult] = []
    studied: dict[str, FactorSpec] = {}
    problems: list[Problem] = []
    for r in resp:
        lam = transforms.get(r) if r is not None else None
        try:
            fit = fit_response(frame, r, model, coding=coding, factors=specs, anova_type=anova_type,
                               transform=lam, file=file, rows=rows, block=block)
            for fs in fit.factors:
                studied.setdefault(fs.name, fs)
            if reduce:
                fit = reduce_model(fit, frame, alpha=alpha, file=file, rows=rows)
        except QbdInputError as exc:
            problems += exc.problems
            continue
        fits.append(fit)
    if problems:
        raise QbdInputError(problems=_unique(problems))
    actual: list[FitResult | None] = []
    for fit in fits:
        if coding != "coded" or not fit._spec.numeric:
            actual.append(None)
            continue
        actual.append(fit_response(frame, fit.response, "~ " + fit.quoted_rhs(), coding="actual",
                                   factors=list(fit.factors), anova_type=anova_type,
                                   transform=fit.transform, file=file, rows=rows, block=block))
    return Analysis(tuple(fits), tuple(studied.values()), file, reduce, alpha, tuple(actual))


#: run-sheet columns that identify a run: each value once (a replicate is a run of its own);
#: ``std_order`` is not among them (software repeats it for replicates)
RUN_ID_COLUMNS = ("run", "run_id", "runid", "run_no", "run_order", "runorder", "运行", "运行顺序",
                  "序号", "试验号", "实验号", "编号")


def check_run_ids(frame: pd.DataFrame, rows: Sequence[int] | None, file: str | None) -> None:
    """Refuse repeated run identifiers, naming each repeat and its first row (the one rule of
    issue 17 shared with ``sdm``, ``mvda``, ``validate`` and ``risk``): a repeated id is a
    copied row, which would change n, pure error and every p-value."""
    for c in frame.columns:
        if normalize_name(str(c)) not in RUN_ID_COLUMNS and str(c).strip() not in RUN_ID_COLUMNS:
            continue
        seen: dict[str, int] = {}
        problems: list[Problem] = []
        for i, v in enumerate(frame[c].tolist()):
            if is_blank(v):
                continue
            key = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
            row = rows[i] if rows is not None else i + 2
            if key in seen:
                problems.append(Problem(f"duplicate run id (also on row {seen[key]})", file, row,
                                        str(c), expected="a unique run id (a replicate is a run "
                                                         "with its own id)", found=key))
            else:
                seen[key] = row
        if problems:
            raise QbdInputError(problems=problems[:20])


def find_block(frame: pd.DataFrame, responses: Sequence[str],
               factors: Sequence[FactorSpec | str] | None) -> str | None:
    """The run sheet's ``block`` column (contract C; also 区组), when it has two or more blocks."""
    chosen = {f.name if isinstance(f, FactorSpec) else str(f) for f in factors or ()}
    for c in frame.columns:
        c = str(c)
        if normalize_name(c) in ("block", "区组") and c not in chosen and c not in responses:
            vals = {str(v) for v in frame[c].tolist() if not is_blank(v)}
            return c if len(vals) >= 2 else None
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def analyze_file(path: str | Path, responses: Sequence[str] = (), model: str = "quadratic", *,
                 factors: Sequence[FactorSpec | str] | None = None, **kwargs: Any) -> Analysis:
    """Read a run sheet (contract C: first sheet; ``factors`` sheet codes the factors) or any
    CSV/XLSX, then :func:`analyze` it."""
    table = read_table(path)
    sheet_specs = read_factor_sheet(path)
    if factors:
        if sheet_specs:
            by_name = {s.name: s for s in sheet_specs}
            factors = [by_name.get(str(f), f) if not isinstance(f, FactorSpec) else f for f in factors]
    elif sheet_specs:
        # keyword models use these factors; formulas take only their coding from them
        factors = [s for s in sheet_specs if s.name in table.columns]
    return analyze(table, responses, model, factors=factors, **kwargs)
