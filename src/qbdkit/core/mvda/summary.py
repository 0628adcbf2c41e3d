"""Result objects of a fitted PCA/PLS model for the CLI's ``--json``, the API and reports.

:func:`pca_summary` and :func:`pls_summary` turn a fitted model (and, optionally,
new observations projected onto it) into frozen :class:`~qbdkit.core.result.Result`
objects whose ``to_dict()`` has the keys of issue 6 (``r2x``, ``r2x_cum``, ``q2``,
``scores``, ``loadings``, ``t2``, ``t2_limit``, ``spe``, ``spe_limit``, ``dmodx``,
``dmodx_limit``, ``projected``). Limits are keyed by coverage (``"0.95"``,
``"0.99"``); training T² limits are Tracy–Young–Mason (beta), projected ones F
(see :mod:`qbdkit.core.mvda.limits`), or SIMCA's ``A(n−1)/(n−A)·F`` for both with
``t2_convention="simca"``; every summary states its ``t2_convention`` and the
``t2_ellipse`` (the t1/t2 ellipse at the limit of the points it judges: the projected
observations when there are any, else the training ones). SPE limits use ``spe_method``.
:func:`identifier_column` finds (or checks) a text column of observation ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbdkit.core.mvda._base import T2_CONVENTION_TEXT, Diagnostics
from qbdkit.core.mvda.pca import PCA
from qbdkit.core.mvda.pls import PLS
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError


def _ids(ids: Sequence[Any] | None, n: int) -> list[str]:
    return [str(i) for i in ids] if ids is not None else [str(i + 1) for i in range(n)]


def _by_variable(names: Sequence[str], M: np.ndarray) -> dict[str, list[float]]:
    return {name: [float(v) for v in M[j]] for j, name in enumerate(names)}


@dataclass(frozen=True, eq=False)
class ProjectionSummary(Result):
    """New observations projected onto a model; ``inside_ellipse`` = T² ≤ 95 % limit."""

    observations: list[str]
    scores: np.ndarray
    t2: np.ndarray
    t2_limit: dict[str, float]
    spe: np.ndarray
    spe_limit: dict[str, float]
    dmodx: np.ndarray
    dmodx_limit: dict[str, float]
    inside_ellipse: np.ndarray
    spe_out: np.ndarray
    dmodx_out: np.ndarray
    predicted: dict[str, list[float]] | None = None
    t2_convention: str = "tym"

    @classmethod
    def from_diagnostics(cls, d: Diagnostics, ids: list[str],
                         predicted: dict[str, list[float]] | None = None) -> ProjectionSummary:
        return cls(observations=ids, scores=d.scores, t2=d.t2, t2_limit=d.t2_limit, spe=d.spe,
                   spe_limit=d.spe_limit, dmodx=d.dmodx,
                   dmodx_limit={"0.95": d.dmodx_limit["0.95"]}, inside_ellipse=d.inside_ellipse,
                   spe_out=d.spe_out, dmodx_out=d.dmodx_out, predicted=predicted,
                   t2_convention=d.t2_convention)

    def to_frame(self) -> Any:
        """One row per projected observation: scores, T², SPE, DModX and the flags."""
        import pandas as pd

        cols: dict[str, Any] = {"observation": self.observations}
        for a in range(self.scores.shape[1]):
            cols[f"t{a + 1}"] = self.scores[:, a]
        cols.update(t2=self.t2, spe=self.spe, dmodx=self.dmodx, inside_ellipse=self.inside_ellipse,
                    spe_out=self.spe_out, dmodx_out=self.dmodx_out)
        return pd.DataFrame(cols)

    def summary(self) -> str:
        a = self.scores.shape[1]
        headers = ["observation", *[f"t{i + 1}" for i in range(a)], "T²", "SPE", "DModX", "verdict"]
        rows = []
        for i, name in enumerate(self.observations):
            bad = []
            if not self.inside_ellipse[i]:
                bad.append("outside T² 95 %")
            if self.spe_out[i]:
                bad.append("SPE > 95 %")
            if self.dmodx_out[i]:
                bad.append("DModX > 95 %")
            rows.append([name, *self.scores[i], self.t2[i], self.spe[i], self.dmodx[i],
                         "; ".join(bad) or "inside"])
        how = "SIMCA A(n−1)/(n−A)·F" if self.t2_convention == "simca" else "F, new observations"
        lim = (f"limits (95 %): T² {self.t2_limit['0.95']:.4g} ({how}), "
               f"SPE {self.spe_limit['0.95']:.4g}, DModX {self.dmodx_limit['0.95']:.4g}")
        return "Projected observations\n" + format_table(headers, rows) + "\n" + lim


@dataclass(frozen=True, eq=False)
class PCASummary(Result):
    """A fitted PCA: explained and predicted variation, scores, loadings, distances, limits."""

    n_components: int
    observations: list[str]
    variables: list[str]
    dropped: dict[str, str]
    scale: str
    method: str
    r2x: np.ndarray
    r2x_cum: np.ndarray
    q2: np.ndarray
    q2_cum: np.ndarray
    scores: np.ndarray
    loadings: dict[str, list[float]]
    t2: np.ndarray
    t2_limit: dict[str, float]
    spe: np.ndarray
    spe_limit: dict[str, float]
    spe_method: str
    dmodx: np.ndarray
    dmodx_limit: dict[str, float]
    projected: ProjectionSummary | None = None
    contributions: dict[str, Any] | None = None
    kind: str = field(default="pca")
    t2_convention: str = "tym"
    t2_ellipse: dict[str, Any] | None = None
    autofit: list[dict[str, Any]] = field(default_factory=list)

    def to_frame(self) -> Any:
        """One row per component: R²X, R²X(cum), Q², Q²(cum)."""
        import pandas as pd

        return pd.DataFrame({"component": [f"PC{a + 1}" for a in range(self.n_components)],
                             "r2x": self.r2x, "r2x_cum": self.r2x_cum, "q2": self.q2,
                             "q2_cum": self.q2_cum})

    def _component_table(self) -> str:
        rows = [[f"PC{a + 1}", self.r2x[a], self.r2x_cum[a], self.q2[a], self.q2_cum[a]]
                for a in range(self.n_components)]
        return format_table(["component", "R²X", "R²X(cum)", "Q²", "Q²(cum)"], rows)

    def _outliers(self) -> list[str]:
        out = []
        for name, vals, lim in (("T²", self.t2, self.t2_limit), ("SPE", self.spe, self.spe_limit),
                                ("DModX", self.dmodx, self.dmodx_limit)):
            idx = [self.observations[i] for i in np.flatnonzero(vals > lim["0.95"])]
            out.append(f"{name} above its 95 % limit ({lim['0.95']:.4g}): "
                       + (", ".join(idx) if idx else "none"))
        return out

    def summary(self) -> str:
        lines = [f"PCA: {len(self.observations)} observations × {len(self.variables)} variables, "
                 f"{self.n_components} component(s), scaling {self.scale}, {self.method}"]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} ({v})" for k, v in self.dropped.items()))
        lines += [self._component_table(), *_autofit_text(self.autofit), *self._outliers(),
                  *_convention_text(self.t2_convention, self.t2_ellipse)]
        if self.projected is not None:
            lines.append(self.projected.summary())
        lines += _contribution_text(self.contributions)
        return "\n".join(lines)


def _autofit_text(steps: list[dict[str, Any]]) -> list[str]:
    if not steps:
        return []
    return ["components chosen by cross-validation (SIMCA autofit):",
            *[f"  component {s['component']}: {'kept' if s['kept'] else 'not kept'} — {s['reason']}"
              for s in steps]]


def _convention_text(convention: str, ellipse: dict[str, Any] | None) -> list[str]:
    out = [T2_CONVENTION_TEXT.get(convention, convention)]
    if ellipse:
        out.append("score plot: " + ellipse["label"])
    return out


def _ellipse(model: Any, projected: bool) -> dict[str, Any] | None:
    if model.n_components_ < 2:
        return None
    e = model.score_ellipse((1, 2), 0.95, new=projected)
    return {"components": list(e.components), "radii": list(e.radii), "limit": e.limit,
            "alpha": e.alpha, "judges": e.judges, "convention": e.convention, "exact": e.exact,
            "label": e.label}


def identifier_column(frame: Any, id_column: str | None = None, *,
                      what: str = "observation") -> str | None:
    """The column of observation ids: ``id_column`` when given (checked), else the one
    column that is not numeric (text in any cell), else ``None``; several text columns
    are an error naming them."""
    import pandas as pd

    from qbdkit.core.numbers import parse_number

    cols = [str(c) for c in frame.columns]
    if id_column is not None:
        if id_column not in cols:
            raise QbdInputError(f"{what} id column not found", column=id_column,
                                expected="one of: " + ", ".join(cols))
        return id_column
    text_cols = []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            continue
        for v in s.tolist():
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            if isinstance(v, str) and (not v.strip() or v.strip().upper() in _MISSING_WORDS):
                continue
            try:
                parse_number(v)
            except (TypeError, ValueError):
                text_cols.append(str(c))
                break
    if len(text_cols) > 1:
        raise QbdInputError(f"several text columns: which one names the {what}s?",
                            column=", ".join(text_cols),
                            expected=f"one {what} id column (name it), the rest numbers",
                            found=", ".join(text_cols))
    return text_cols[0] if text_cols else None


#: cells that mean "no value" in exports from LIMS/Excel (read as missing, never as text)
_MISSING_WORDS = ("N/A", "NA", "#N/A", "NAN", "ND", "-", "—")


def check_unique_ids(ids: Sequence[Any], *, column: str | None = None, rows: Sequence[int] | None
                     = None, file: str | None = None, what: str = "observation") -> None:
    """Identifiers must be unique (one rule for every analysis): a repeated id is an error
    naming each repeat and the row of its first occurrence. A replicate measurement is a
    row with its own id; an id column is never a grouping column."""
    from qbdkit.errors import Problem

    seen: dict[str, int] = {}
    problems = []
    for i, v in enumerate(ids):
        key = str(v).strip()
        row = rows[i] if rows is not None else i + 1
        if key in seen:
            problems.append(Problem(f"duplicate {what} id (also on row {seen[key]})", file, row,
                                    column, expected=f"a unique {what} id (a replicate needs its "
                                                     "own id)", found=str(v)))
        else:
            seen[key] = row
    if problems:
        raise QbdInputError(problems=problems[:20])


def contributions_of(model: Any, observation: str, ids: Sequence[Any] | None = None,
                     new: Any = None, new_ids: Sequence[Any] | None = None) -> dict[str, Any]:
    """Contributions of each variable to the T² and SPE of one observation, found by its id
    among the training observations first, then among the projected ones."""
    train = _ids(ids, model.n_samples_)
    if observation in train:
        i, X, where = train.index(observation), None, "model"
    else:
        nids = _ids(new_ids, 0 if new is None else len(new))
        if new is None or observation not in nids:
            raise QbdInputError("unknown observation", column="--contributions",
                                expected="an observation id of the model or projected data",
                                found=observation)
        i, X, where = nids.index(observation), new, "projected"
    c_t2 = model.contributions_t2(X)[i]
    c_spe = model.contributions_spe(X)[i]
    names = model.variables_
    return {"observation": observation, "set": where,
            "t2": {v: float(c_t2[j]) for j, v in enumerate(names)},
            "spe": {v: float(c_spe[j]) for j, v in enumerate(names)}}


def _contribution_text(c: dict[str, Any] | None) -> list[str]:
    if not c:
        return []
    rows = sorted(c["t2"], key=lambda v: -abs(c["t2"][v]))
    return [f"Contributions for {c['observation']} ({c['set']})",
            format_table(["variable", "to T²", "to SPE"], [[v, c["t2"][v], c["spe"][v]] for v in rows])]


def pca_summary(model: PCA, ids: Sequence[Any] | None = None, new: Any = None,
                new_ids: Sequence[Any] | None = None,
                contributions: str | None = None) -> PCASummary:
    """Summary of a fitted :class:`PCA`, with ``new`` observations projected when given and
    the contributions of one observation (by id) when ``contributions`` is given."""
    if ids is not None:
        check_unique_ids(list(ids))
    if new_ids is not None:
        check_unique_ids(list(new_ids), what="projected observation")
    d = model.diagnose()
    proj = None
    if new is not None:
        dn = model.diagnose(new)
        proj = ProjectionSummary.from_diagnostics(dn, _ids(new_ids, dn.scores.shape[0]))
    return PCASummary(
        n_components=model.n_components_, observations=_ids(ids, model.n_samples_),
        variables=list(model.variables_), dropped=dict(model.dropped_), scale=model.scale,
        method=model.method_, r2x=model.explained_r2x_, r2x_cum=model.r2x_cum_, q2=model.q2_,
        q2_cum=model.q2_cum_, scores=d.scores, loadings=_by_variable(model.variables_, model.loadings_),
        t2=d.t2, t2_limit=d.t2_limit, spe=d.spe, spe_limit=d.spe_limit, spe_method=model.spe_method,
        dmodx=d.dmodx, dmodx_limit={"0.95": d.dmodx_limit["0.95"]}, projected=proj,
        contributions=None if contributions is None else contributions_of(
            model, contributions, ids, new, new_ids),
        t2_convention=model.t2_convention, t2_ellipse=_ellipse(model, proj is not None),
        autofit=list(getattr(model, "autofit_", []) or []))


@dataclass(frozen=True, eq=False)
class PLSSummary(Result):
    """A fitted PLS model: PCA-like X side plus responses, coefficients, VIP, Q², RMSECV."""

    n_components: int
    observations: list[str]
    variables: list[str]
    responses: list[str]
    dropped: dict[str, str]
    scale: str
    r2x: np.ndarray
    r2x_cum: np.ndarray
    r2y: np.ndarray
    r2y_cum: np.ndarray
    q2: np.ndarray
    q2_cum: np.ndarray
    rmsecv: dict[str, float]
    scores: np.ndarray
    weights: dict[str, list[float]]
    loadings: dict[str, list[float]]
    w_star: dict[str, list[float]]
    y_loadings: dict[str, list[float]]
    coefficients: dict[str, dict[str, float]]
    intercept: dict[str, float]
    vip: dict[str, float]
    fitted: dict[str, list[float]]
    t2: np.ndarray
    t2_limit: dict[str, float]
    spe: np.ndarray
    spe_limit: dict[str, float]
    spe_method: str
    dmodx: np.ndarray
    dmodx_limit: dict[str, float]
    projected: ProjectionSummary | None = None
    contributions: dict[str, Any] | None = None
    kind: str = field(default="pls")
    t2_convention: str = "tym"
    t2_ellipse: dict[str, Any] | None = None

    def to_frame(self) -> Any:
        """One row per component: R²X, R²Y, Q² (and cumulative)."""
        import pandas as pd

        return pd.DataFrame({"component": [f"LV{a + 1}" for a in range(self.n_components)],
                             "r2x": self.r2x, "r2x_cum": self.r2x_cum, "r2y": self.r2y,
                             "r2y_cum": self.r2y_cum, "q2": self.q2, "q2_cum": self.q2_cum})

    def summary(self) -> str:
        lines = [f"PLS: {len(self.observations)} observations, {len(self.variables)} X variables, "
                 f"responses {', '.join(self.responses)}; {self.n_components} component(s), "
                 f"scaling {self.scale}"]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} ({v})" for k, v in self.dropped.items()))
        rows = [[f"LV{a + 1}", self.r2x[a], self.r2x_cum[a], self.r2y[a], self.r2y_cum[a],
                 self.q2[a], self.q2_cum[a]] for a in range(self.n_components)]
        lines.append(format_table(["component", "R²X", "R²X(cum)", "R²Y", "R²Y(cum)", "Q²",
                                   "Q²(cum)"], rows))
        lines.append("RMSECV: " + ", ".join(f"{k} {v:.4g}" for k, v in self.rmsecv.items()))
        vip = sorted(self.vip.items(), key=lambda kv: -kv[1])
        lines.append(format_table(["variable", "VIP", *[f"coef {r}" for r in self.responses]],
                                  [[v, s, *[self.coefficients[r][v] for r in self.responses]]
                                   for v, s in vip]))
        for name, vals, lim in (("T²", self.t2, self.t2_limit), ("SPE", self.spe, self.spe_limit),
                                ("DModX", self.dmodx, self.dmodx_limit)):
            idx = [self.observations[i] for i in np.flatnonzero(vals > lim["0.95"])]
            lines.append(f"{name} above its 95 % limit ({lim['0.95']:.4g}): "
                         + (", ".join(idx) if idx else "none"))
        lines += _convention_text(self.t2_convention, self.t2_ellipse)
        if self.projected is not None:
            lines.append(self.projected.summary())
        lines += _contribution_text(self.contributions)
        return "\n".join(lines)


def pls_summary(model: PLS, X: Any, ids: Sequence[Any] | None = None, new: Any = None,
                new_ids: Sequence[Any] | None = None,
                contributions: str | None = None) -> PLSSummary:
    """Summary of a fitted :class:`PLS` (``X`` = the training X, for fitted values; ``None``:
    the fitted values of the training scores, ``T Cᵀ`` back in response units)."""
    if ids is not None:
        check_unique_ids(list(ids))
    if new_ids is not None:
        check_unique_ids(list(new_ids), what="projected observation")
    d = model.diagnose()
    ys = model.y_variables_
    proj = None
    if new is not None:
        dn = model.diagnose(new)
        pred = model.predict(new)
        proj = ProjectionSummary.from_diagnostics(
            dn, _ids(new_ids, dn.scores.shape[0]),
            predicted={y: [float(v) for v in pred[:, j]] for j, y in enumerate(ys)})
    fitted = (model.predict(X) if X is not None else
              (model.scores_ @ model.y_loadings_.T) * model.y_scale_ + model.y_mean_)
    return PLSSummary(
        n_components=model.n_components_, observations=_ids(ids, model.n_samples_),
        variables=list(model.variables_), responses=list(ys), dropped=dict(model.dropped_),
        scale=model.scale, r2x=model.explained_r2x_, r2x_cum=model.r2x_cum_,
        r2y=model.explained_r2y_, r2y_cum=model.r2y_cum_, q2=model.q2_, q2_cum=model.q2_cum_,
        rmsecv={y: float(model.rmsecv_[j]) for j, y in enumerate(ys)}, scores=d.scores,
        weights=_by_variable(model.variables_, model.x_weights_),
        loadings=_by_variable(model.variables_, model.loadings_),
        w_star=_by_variable(model.variables_, model.w_star_),
        y_loadings=_by_variable(ys, model.y_loadings_),
        coefficients={y: {v: float(model.coef_[i, j]) for i, v in enumerate(model.variables_)}
                      for j, y in enumerate(ys)},
        intercept={y: float(model.intercept_[j]) for j, y in enumerate(ys)},
        vip={v: float(model.vip_[i]) for i, v in enumerate(model.variables_)},
        fitted={y: [float(v) for v in fitted[:, j]] for j, y in enumerate(ys)},
        t2=d.t2, t2_limit=d.t2_limit, spe=d.spe, spe_limit=d.spe_limit, spe_method=model.spe_method,
        dmodx=d.dmodx, dmodx_limit={"0.95": d.dmodx_limit["0.95"]}, projected=proj,
        contributions=None if contributions is None else contributions_of(
            model, contributions, ids, new, new_ids),
        t2_convention=model.t2_convention, t2_ellipse=_ellipse(model, proj is not None))


__all__ = ["PCASummary", "PLSSummary", "ProjectionSummary", "check_unique_ids",
           "contributions_of", "identifier_column", "pca_summary", "pls_summary"]
