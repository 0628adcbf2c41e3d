"""REML analysis of split-plot experiments: the whole plot as a random effect (statsmodels
``MixedLM``), fixed-effect F-tests with containment degrees of freedom, variance components.

Model (Montgomery, *Design and Analysis of Experiments*, 8th ed., §14.4; Goos & Jones, *Optimal
Design of Experiments*, 2011, ch. 10): y = Xβ + Zγ + ε with γ ~ N(0, σ²_WP I) one effect per
whole plot and ε ~ N(0, σ² I), fitted by restricted maximum likelihood (REML).

Each fixed term is tested by the Wald F statistic F = b'V⁻¹b / k (b the term's k coefficients,
V their REML covariance) on (k, df) degrees of freedom, df by **containment** (SAS PROC MIXED
``DDFM=CONTAIN``; Goos & Jones §10.3): a term whose columns are constant within every whole plot
is a whole-plot term and gets the whole-plot error df = W − r_W (W whole plots, r_W the rank of
the whole-plot part of X including the intercept); every other term gets the subplot error
df = n − W − (p − r_W). For balanced data these are the F-ratios of the classical split-plot
ANOVA (Montgomery Table 14.17 pattern: whole-plot factors against the whole-plot error, subplot
factors and interactions against the subplot error); Kenward-Roger df are not computed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError


@dataclass(frozen=True)
class SplitPlotTerm(Result):
    term: str
    stratum: str          # "whole plot" or "subplot"
    df_num: int
    df_den: int
    f: float | None
    p: float | None


@dataclass(frozen=True)
class SplitPlotCoef(Result):
    name: str
    coef: float
    se: float | None
    t: float | None
    df: int
    p: float | None


@dataclass(frozen=True)
class SplitPlotFit(Result):
    """REML fit of one response."""

    response: str
    formula: str
    whole_plot: str
    nobs: int
    n_whole_plots: int
    coefficients: list[SplitPlotCoef]
    tests: list[SplitPlotTerm]
    var_whole_plot: float
    var_residual: float
    df_whole_plot: int
    df_subplot: int
    reml_loglik: float | None
    converged: bool
    method: str = "REML (statsmodels MixedLM), containment denominator df"
    notes: list[str] = field(default_factory=list)

    _frame_field = "coefficients"

    def summary(self) -> str:
        lines = [f"{self.response}: split-plot REML fit, {self.nobs} runs in {self.n_whole_plots} "
                 f"whole plots ({self.whole_plot}); {self.formula}",
                 f"  {self.method}: whole-plot error df {self.df_whole_plot}, subplot error df "
                 f"{self.df_subplot}",
                 f"  variance components: whole plot σ²_WP = {self.var_whole_plot:.6g}, residual "
                 f"σ² = {self.var_residual:.6g}"
                 + (f" (ratio {self.var_whole_plot / self.var_residual:.4g})" if self.var_residual else "")]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(format_table(["term", "stratum", "df", "den df", "F", "p"],
                                  [[t.term, t.stratum, t.df_num, t.df_den, t.f, t.p] for t in self.tests]))
        lines.append(format_table(["coefficient", "estimate", "SE", "t", "df", "p"],
                                  [[c.name, c.coef, c.se, c.t, c.df, c.p] for c in self.coefficients]))
        return "\n".join(lines)


@dataclass(frozen=True)
class SplitPlotAnalysis(Result):
    file: str
    whole_plot: str
    fits: list[SplitPlotFit]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Split-plot analysis of {self.file} (whole plot: {self.whole_plot})"]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f.summary() for f in self.fits]
        return "\n".join(lines)


def _safe(name: str) -> str:
    return 'Q("' + name.replace('"', '\\"') + '")'


def named_formula(response: str, factors: Sequence[tuple[str, bool]], model: str,
                  two_level: Sequence[str] = ()) -> str:
    """Patsy formula for a named model (``linear``, ``interaction``, ``quadratic``) over
    ``(name, numeric)`` factors; ``quadratic`` squares only the numeric factors not in
    ``two_level`` (a square cannot be estimated from two levels)."""
    model = model.strip().lower()
    terms = [_safe(n) if num else f"C({_safe(n)}, Sum)" for n, num in factors]
    if model in ("linear", "main"):
        rhs = " + ".join(terms)
    elif model in ("interaction", "quadratic"):
        rhs = f"({' + '.join(terms)})**2"
        if model == "quadratic":
            rhs += "".join(f" + I({_safe(n)}**2)" for n, num in factors if num and n not in two_level)
    else:
        raise QbdInputError("unknown model", column="--model",
                            expected='linear | interaction | quadratic | a formula "Y ~ …"',
                            found=model)
    return f"{_safe(response)} ~ {rhs}"


def fit_split_plot(frame: pd.DataFrame, formula: str, whole_plot: str, *, response: str,
                   file: str | None = None) -> SplitPlotFit:
    """Fit ``formula`` with a random intercept per ``whole_plot`` by REML."""
    from scipy import stats

    data = frame.dropna(subset=[response]).copy()
    groups = data[whole_plot].astype(str)
    n_wp = int(groups.nunique())
    if n_wp < 2:
        raise QbdInputError("a split-plot analysis needs two or more whole plots", file=file,
                            column=whole_plot, expected="≥ 2 distinct whole plots", found=str(n_wp))
    if n_wp == len(data):
        raise QbdInputError("every run is its own whole plot: nothing is split", file=file,
                            column=whole_plot, expected="several runs per whole plot",
                            found=f"{n_wp} whole plots for {len(data)} runs")
    import patsy
    import statsmodels.api as sm

    try:
        yd, xd = patsy.dmatrices(sum_coded(formula), data, return_type="dataframe")
    except Exception as exc:  # patsy errors: unknown names, bad syntax
        raise QbdInputError(f"cannot build the model: {str(exc).splitlines()[0]}", file=file,
                            column="--model", expected="a formula on the run sheet's columns",
                            found=formula) from None
    groups = groups.loc[xd.index]
    if int(np.linalg.matrix_rank(xd.to_numpy())) < xd.shape[1]:
        raise QbdInputError(f"the model is not estimable from these runs: {xd.shape[1]} coefficients "
                            f"but the runs determine only {int(np.linalg.matrix_rank(xd.to_numpy()))}",
                            file=file, column="--model",
                            expected="a smaller model (e.g. interaction) or more runs",
                            found=formula.replace('Q("', "").replace('")', ""))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.MixedLM(yd.iloc[:, 0], xd, groups=groups.to_numpy())
        res = model.fit(reml=True)
    notes = sorted({str(w.message).splitlines()[0] for w in caught
                    if "converge" in str(w.message).lower() or "boundary" in str(w.message).lower()})
    x = xd.to_numpy()
    names = list(xd.columns)
    n, p = x.shape
    info = xd.design_info
    g = groups.to_numpy()
    const_within = np.array([all(np.ptp(x[g == k, j]) < 1e-12 for k in np.unique(g)) for j in range(p)])
    wp_cols = [j for j in range(p) if const_within[j]]
    r_w = int(np.linalg.matrix_rank(x[:, wp_cols])) if wp_cols else 0
    df_wp = n_wp - r_w
    df_sp = n - n_wp - (int(np.linalg.matrix_rank(x)) - r_w)
    fe = res.fe_params.to_numpy()
    cov = np.asarray(res.cov_params())[:p, :p]
    tests, coefs = [], []
    col_df = {}
    for term, sl in info.term_name_slices.items():
        cols = list(range(sl.start, sl.stop))
        whole = all(const_within[j] for j in cols)
        df_den = df_wp if whole else df_sp
        for j in cols:
            col_df[j] = df_den
        if term == "Intercept":
            continue
        b = fe[cols]
        v = cov[np.ix_(cols, cols)]
        try:
            fval = float(b @ np.linalg.solve(v, b)) / len(cols)
        except np.linalg.LinAlgError:
            fval = float("nan")
        pval = float(stats.f.sf(fval, len(cols), df_den)) if df_den > 0 and np.isfinite(fval) else None
        tests.append(SplitPlotTerm(_label(term), "whole plot" if whole else "subplot", len(cols),
                                   df_den, fval if np.isfinite(fval) else None, pval))
    se = np.sqrt(np.diag(cov))
    for j, nm in enumerate(names):
        df = col_df.get(j, df_sp)
        tv = fe[j] / se[j] if se[j] > 0 else float("nan")
        coefs.append(SplitPlotCoef(_label(nm), float(fe[j]), float(se[j]),
                                   float(tv) if np.isfinite(tv) else None, int(df),
                                   float(2 * stats.t.sf(abs(tv), df)) if df > 0 and np.isfinite(tv) else None))
    if df_wp <= 0:
        notes.append("no whole-plot error degrees of freedom: whole-plot effects cannot be tested "
                     "(replicate the whole-plot treatments)")
    var_wp = float(np.asarray(res.cov_re)[0, 0])
    if var_wp <= 1e-10 * max(float(res.scale), 1e-300):
        notes.append("the whole-plot variance is estimated at zero (boundary): the fit is that of "
                     "ordinary least squares")
    return SplitPlotFit(
        response=response, formula=formula.replace('Q("', "").replace('")', ""), whole_plot=whole_plot,
        nobs=n, n_whole_plots=n_wp, coefficients=coefs, tests=tests, var_whole_plot=var_wp,
        var_residual=float(res.scale), df_whole_plot=int(df_wp), df_subplot=int(df_sp),
        reml_loglik=float(res.llf) if np.isfinite(res.llf) else None, converged=bool(res.converged),
        notes=notes)


def sum_coded(formula: str) -> str:
    """``C(x)`` → ``C(x, Sum)``: categorical factors effect-coded (sum to zero), so that each
    term's Wald F-test is the type III test whatever the other terms."""
    return re.sub(r"C\(((?:Q\(\"(?:[^\"\\]|\\.)*\"\))|[^,()]+)\)", r"C(\1, Sum)", formula)


def _label(text: str) -> str:
    """``C(Q("Pulp"))[T.2]`` → ``Pulp[2]``; ``Q("A"):Q("B")`` → ``A:B``."""
    text = re.sub(r'Q\("((?:[^"\\]|\\.)*)"\)', r"\1", text)
    text = re.sub(r"C\(([^(),]*)(?:, Sum)?\)", r"\1", text)
    return text.replace("[T.", "[").replace("[S.", "[")


def analyze_split_plot(frame: pd.DataFrame, responses: Sequence[str], whole_plot: str, *,
                       model: str = "interaction", factors: Sequence[tuple[str, bool]] = (),
                       file: str | None = None) -> SplitPlotAnalysis:
    """Fit each response; ``model`` is a named model over ``factors`` or a patsy formula
    (``"Y ~ …"``, its left side replaced by each response)."""
    if whole_plot not in frame.columns:
        raise QbdInputError("whole-plot column not in the run sheet", file=file, column=whole_plot,
                            expected=", ".join(map(str, frame.columns)), found=whole_plot)
    fits = []
    notes: list[str] = []
    for resp in responses:
        if resp not in frame.columns:
            raise QbdInputError("response not in the run sheet", file=file, column=resp,
                                expected=", ".join(map(str, frame.columns)), found=resp)
        if "~" in model:
            formula = f"{_safe(resp)} ~ {model.split('~', 1)[1].strip()}"
        else:
            if not factors:
                raise QbdInputError("which columns are the factors?", file=file, column="--factors",
                                    expected="--factors A,B or the run sheet's definitions",
                                    found="none")
            two = [n for n, num in factors if num and frame[n].dropna().nunique() <= 2]
            formula = named_formula(resp, factors, model, two_level=two)
            if model.strip().lower() == "quadratic" and two:
                notes.append("squares cannot be estimated from two levels: " + ", ".join(two)
                             + " enter(s) the quadratic model without a square term")
        fits.append(fit_split_plot(frame, formula, whole_plot, response=resp, file=file))
    return SplitPlotAnalysis(file=file or "", whole_plot=whole_plot, fits=fits,
                             notes=sorted(set(notes), key=notes.index))
