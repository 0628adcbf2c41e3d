"""Continued process verification (cpv) use cases: control chart, capability, Hotelling T²
and the periodic review, each from CSV/XLSX files (:func:`qbdkit.io.read_table`).

One function per use case (``chart``, ``capability``, ``t2``, ``review``), each taking a
request of everything the user chose; registered as record kinds ``cpv.chart``,
``cpv.capability``, ``cpv.t2`` and ``cpv.review``. Cell problems name the file, the row
as the user sees it (header = row 1) and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from qbdkit.core.spc.capability import CapabilityResult
from qbdkit.core.spc.charts import ChartResult
from qbdkit.core.spc.multivariate import T2Result
from qbdkit.core.spc.review import CpvReview
from qbdkit.errors import QbdInputError
from qbdkit.io import read_table
from qbdkit.io.tables import Table, normalize_name
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register


class ChartRequest(Request):
    """``qbdkit cpv chart`` — see :func:`qbdkit.core.spc.control_chart`."""

    file: Path = input_file(description="results, one row per observation (CSV/XLSX)")
    value: str
    subgroup: str | None = None
    batch: str | None = None
    type: str = "imr"
    size: str | None = None
    phase: str | None = None
    baseline: int | None = None
    exclude: list[int] = Field(default_factory=list)
    rules: str = "nelson"
    center: float | None = None
    sigma: float | None = None
    lam: float = 0.2
    k: float = 0.5
    h: float = 5.0
    nsigmas: float = 3.0


class CapabilityRequest(Request):
    """``qbdkit cpv capability`` — see :func:`qbdkit.core.spc.capability`."""

    file: Path = input_file(description="results (CSV/XLSX)")
    value: str
    subgroup: str | None = None
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    confidence: float = 0.95
    method: str = "normal"


class T2Request(Request):
    """``qbdkit cpv t2`` — see :func:`qbdkit.core.spc.hotelling_t2`."""

    file: Path = input_file(description="one row per observation, one column per variable")
    vars: list[str]
    subgroup: str | None = None
    baseline: int | None = None
    confidence: float | None = None
    method: str = "hotelling"
    n_components: int | None = None


class ReviewRequest(Request):
    """The periodic review from files — see :func:`qbdkit.core.spc.cpv_review`."""

    data: Path = input_file(description="long table: batch, item, value [, time, site]")
    limits: Path = input_file(description="item limits: item, kind, lsl, usl, par_*, nor_*")
    since: str | None = None
    baseline: int | None = None
    rules: str = "nelson"
    built_from: list[str] = Field(default_factory=list)


def _column(table: Table, name: str | None, role: str) -> str | None:
    """The table's header matching ``name`` (case/space-insensitive), or an error."""
    if name is None:
        return None
    want = normalize_name(name)
    for col in table.columns:
        if normalize_name(col) == want:
            return col
    raise QbdInputError("missing column", file=table.file, row=1, column=name,
                        expected=f"a {role} column {name!r}", found=", ".join(table.columns))


def _numbers(table: Table, col: str) -> list[float]:
    return [float(table.number(i, col)) for i in range(len(table.frame))]  # type: ignore[arg-type]


def _texts(table: Table, col: str | None) -> list[str] | None:
    if col is None:
        return None
    return [table.text(i, col, allow_blank=False) for i in range(len(table.frame))]


def chart(req: ChartRequest, ctx: Context | None = None) -> ChartResult:
    from qbdkit.core.spc import control_chart

    table = read_table(req.file)
    value = _column(table, req.value, "value")
    assert value is not None
    subgroup = _column(table, req.subgroup, "subgroup")
    batch = _column(table, req.batch, "batch")
    size = _column(table, req.size, "size")
    phase = _column(table, req.phase, "phase")
    values = _numbers(table, value)
    return control_chart(
        values, chart=req.type, subgroups=_texts(table, subgroup),
        sizes=None if size is None else _numbers(table, size), phases=_texts(table, phase),
        labels=_texts(table, batch), baseline=req.baseline, exclude=req.exclude,
        rules=req.rules, center=req.center, sigma=req.sigma, lam=req.lam, k=req.k, h=req.h,
        nsigmas=req.nsigmas, value_name=value, file=table.file, rows=table.rows,
        names={"value": value, "subgroup": subgroup or "subgroup", "size": size or "size",
               "phase": phase or "phase"})


def capability(req: CapabilityRequest, ctx: Context | None = None) -> CapabilityResult:
    from qbdkit.core.spc import capability as core_capability

    table = read_table(req.file)
    value = _column(table, req.value, "value")
    assert value is not None
    subgroup = _column(table, req.subgroup, "subgroup")
    if req.lsl is not None and req.usl is not None and not req.lsl < req.usl:
        raise QbdInputError("specification limits in the wrong order", file=table.file,
                            column="--lsl/--usl", expected="LSL < USL",
                            found=f"LSL {req.lsl:g} ≥ USL {req.usl:g}")
    return core_capability(_numbers(table, value), lsl=req.lsl, usl=req.usl, target=req.target,
                           subgroups=_texts(table, subgroup), confidence=req.confidence,
                           method=req.method)


def t2(req: T2Request, ctx: Context | None = None) -> T2Result:
    import pandas as pd

    from qbdkit.core.spc import hotelling_t2, pca_monitoring

    table = read_table(req.file)
    names = [_column(table, v, "variable") for v in req.vars]
    cols = {str(n): _numbers(table, str(n)) for n in names}
    frame = pd.DataFrame(cols)
    subgroup = _column(table, req.subgroup, "subgroup")
    if req.method == "pca":
        return pca_monitoring(frame, baseline=req.baseline,
                              n_components=req.n_components or "auto",
                              confidence=req.confidence or 0.99)
    if req.method != "hotelling":
        raise QbdInputError("unknown T² method", column="--method",
                            expected="hotelling | pca", found=req.method)
    return hotelling_t2(frame, subgroups=_texts(table, subgroup), baseline=req.baseline,
                        confidence=req.confidence)


def review(req: ReviewRequest, ctx: Context | None = None) -> CpvReview:
    from qbdkit.core.spc import cpv_review

    data = read_table(req.data)
    limits = read_table(req.limits)
    return cpv_review(data.frame, limits.frame, since=req.since, baseline=req.baseline,
                      rules=req.rules, data_file=Path(data.file).name,
                      limits_file=Path(limits.file).name, built_from=req.built_from)


# ---- the review of a project ------------------------------------------------------------------

#: batches behind recomputed limits (PDA TR 60: 20–30 batches; until then the preliminary
#: limits handed over from PPQ)
REVIEW_LIMIT_BATCHES = 20
LIMIT_MODES = ("auto", "ppq", "baseline")
DATA_COLUMNS = ["batch", "time", "site", "item", "value"]
REVIEW_LIMIT_COLUMNS = ["item", "kind", "lsl", "usl", "par_low", "par_high", "nor_low",
                        "nor_high", "center", "sigma", "initial_lcl", "initial_ucl"]


def gather_review(project: str, folder: Path, *, ctx: Context, strategy: str | None = None,
                  since: str | None = None, until: str | None = None,
                  kinds: list[str] | None = None, limits: str = "auto",
                  baseline: int | None = None, rules: str = "nelson"
                  ) -> tuple[ReviewRequest, str]:
    """Write the review tables of ``project`` into ``folder``; returns the request and a
    default record name (``review-<date of the last batch>``).

    Items: every CPP, KPP and CQA of the control strategy (:func:`qbdkit.core.control.
    cpv_items`) with its specification, PAR and NOR. Batches: ``kinds`` (default: the PPQ
    batches and every at-scale batch from the first PPQ batch on), made on or before
    ``until``; values: the end-point measurements of each item. Limits (``limits``):
    ``baseline`` (and ``auto``) — estimated from the first ``baseline`` batches (default
    :data:`REVIEW_LIMIT_BATCHES`, PDA TR 60's 20–30, or all when fewer); ``ppq`` — the
    initial limits handed over by the PPQ evaluation (centre and σ). The hand-over limits
    (the approved PPQ evaluation saved last, else the newest) are always listed beside the
    charted ones (``initial_lcl/ucl``): preliminary limits from three batches are often too
    narrow, which the review shows. ``since`` defaults to the last batch of the project's
    newest review, so signals count as new only after it.
    """
    from qbdkit.core.control import cpv_items
    from qbdkit.services.control import (
        ProjectSnapshot,
        latest_result,
        require_strategy,
        write_csv,
    )

    if limits not in LIMIT_MODES:
        raise QbdInputError("unknown limits", column="limits", expected=" | ".join(LIMIT_MODES),
                            found=limits)
    snap = ProjectSnapshot(project, ctx)
    row, cs = require_strategy(snap, strategy)
    built_from = [f"project {project} v{snap.version}", snap.ref(row)]
    items = cpv_items(cs)
    bs = (snap.batches(kinds, until=until) if kinds
          else snap.batches(["PPQ", "at-scale"], until=until, after_first_ppq=True))
    if len(bs) < 2:
        raise QbdInputError("fewer than 2 batches to review", column="batches",
                            expected="at least 2 batches of kind "
                                     + ", ".join(kinds or ["PPQ", "at-scale"])
                            + (f" made on or before {until}" if until else ""), found=len(bs))
    ids = {b.id for b in bs}
    values: dict[str, dict[str, list[float]]] = {}
    for it in items.to_dict(orient="records"):
        got: dict[str, list[float]] = {}
        for batch, v in snap.values(it["name"], it["unit_operation"] or None, ids):
            got.setdefault(batch, []).append(v)
        values[it["item"]] = got
    data = [[b.id, b.date.isoformat() if b.date else None, b.site, item, v]
            for b in bs for item, got in values.items() for v in got.get(b.id, [])]
    if not data:
        raise QbdInputError("no results of the control strategy's items", column="measurements",
                            expected="measurements of its CPPs, KPPs or CQAs for the batches "
                                     "reviewed", found="none")
    handover: dict[str, dict] = {}
    ppq = latest_result(snap, "ppq.evaluation")
    if limits == "ppq" and ppq is None:
        raise QbdInputError("no PPQ evaluation in the project", column="limits",
                            expected="a ppq.evaluation record (qbdkit ppq evaluate "
                                     f"{project} RESULTS) for --limits ppq", found="none")
    if ppq is not None:
        handover = {c["item"]: c for c in ppq[1].get("cpv_limits", [])
                    if c.get("sigma") and c.get("centre") is not None}
    use_ppq = limits == "ppq"
    if use_ppq:
        assert ppq is not None
        built_from.append(snap.ref(ppq[0]) + " (initial CPV limits charted)")
        baseline = None
    else:
        if ppq is not None:
            built_from.append(snap.ref(ppq[0]) + " (initial CPV limits for comparison)")
        if baseline is None and len(bs) >= REVIEW_LIMIT_BATCHES:
            baseline = REVIEW_LIMIT_BATCHES
    lim_rows = []
    for it in items.to_dict(orient="records"):
        h = handover.get(it["item"], {})
        lim_rows.append({**{k: it[k] for k in REVIEW_LIMIT_COLUMNS[:8]},
                         "center": h.get("centre") if use_ppq else None,
                         "sigma": h.get("sigma") if use_ppq else None,
                         "initial_lcl": h.get("lcl"), "initial_ucl": h.get("ucl")})
    if since is None:
        previous = [r for r in snap.of_kind("cpv.review")]
        if previous:
            last = snap.result(previous[-1])
            done = (last or {}).get("batches") or [] if isinstance(last, dict) else []
            if done and done[-1] in ids:
                since = done[-1]
                built_from.append(snap.ref(previous[-1]) + f" (new since {since})")
    folder = Path(folder)
    req = ReviewRequest(
        data=write_csv(folder / "data.csv", DATA_COLUMNS, data),
        limits=write_csv(folder / "limits.csv", REVIEW_LIMIT_COLUMNS, lim_rows),
        since=since, baseline=baseline, rules=rules, built_from=built_from)
    last = bs[-1]
    return req, f"review-{last.date.isoformat() if last.date else last.id}"


def review_for_project(project: str, ctx: Context, *, name: str | None = None,
                       reason: str = "", store: bool = True, **options) -> tuple[CpvReview, Any]:
    """Gather, review and (unless ``store`` is False) store as ``cpv.review/NAME`` (default
    ``review-<date of the last batch>``); ``options`` as :func:`gather_review`."""
    import tempfile

    from qbdkit.services.records import run_and_store

    with tempfile.TemporaryDirectory(prefix="qbdkit-cpv-") as tmp:
        req, default = gather_review(project, Path(tmp), ctx=ctx, **options)
        if not store:
            return review(req, ctx), None
        return run_and_store("cpv.review", req, ctx, project=project, name=name or default,
                             reason=reason)


def _chart_example(folder: Path) -> ChartRequest:
    """Thirty batches of a drug-substance assay (I-MR, limits from the first 20 batches, a
    shift of +1.5 σ from batch 24 on that the run rules catch); deterministic."""
    import numpy as np

    rng = np.random.default_rng(20261202)
    values = 98.0 + 0.6 * rng.standard_normal(30)
    values[23:] += 0.9
    path = Path(folder) / "assay.csv"
    path.write_text("batch,assay\n" + "".join(f"B{i + 1:03d},{v:.2f}\n"
                                               for i, v in enumerate(values)), encoding="utf-8")
    return ChartRequest(file=path, value="assay", batch="batch", type="imr", baseline=20,
                        rules="nelson")


def _capability_example(folder: Path) -> CapabilityRequest:
    """Montgomery, Introduction to Statistical Quality Control, Example 8.x style data: 25
    subgroups of 5 hard-bake flow widths (a small deterministic stand-in)."""
    import numpy as np

    rng = np.random.default_rng(20261201)
    values = np.round(1.5 + 0.14 * rng.standard_normal(50), 4)
    path = Path(folder) / "widths.csv"
    path.write_text("subgroup,width\n" + "".join(f"{i // 5 + 1},{v}\n"
                                                  for i, v in enumerate(values)),
                    encoding="utf-8")
    return CapabilityRequest(file=path, value="width", subgroup="subgroup", lsl=1.0, usl=2.0,
                             target=1.5)


def _t2_example(folder: Path) -> T2Request:
    """Forty batches of three correlated bioreactor end-points (titre, viability, lactate);
    Phase I limits from the first 25, a shifted batch at the end; deterministic."""
    import numpy as np

    rng = np.random.default_rng(20261203)
    cov = np.array([[0.04, 0.6, -0.02], [0.6, 16.0, -0.3], [-0.02, -0.3, 0.09]])
    x = rng.multivariate_normal([5.0, 90.0, 1.2], cov, size=40)
    x[-1] += [0.3, -6.0, 0.5]
    path = Path(folder) / "endpoints.csv"
    path.write_text("batch,titre,viability,lactate\n" + "".join(
        f"B{i + 1:03d},{a:.3f},{b:.2f},{c:.3f}\n" for i, (a, b, c) in enumerate(x)),
        encoding="utf-8")
    return T2Request(file=path, vars=["titre", "viability", "lactate"], baseline=25)


def _review_example(folder: Path) -> ReviewRequest:
    """A small periodic review: 12 batches × (two CPPs, one KPP, two CQAs) with their
    specifications, PAR and NOR; one batch out of the NOR, one aggregate result out of
    specification; deterministic."""
    import numpy as np

    rng = np.random.default_rng(20261204)
    items = {"temperature": (36.0, 0.12), "ph": (7.0, 0.03), "titre": (5.0, 0.2),
             "aggregates": (1.8, 0.2), "afucosylation": (8.0, 0.4)}
    lines = ["batch,time,item,value"]
    for j in range(12):
        day = f"2026-{1 + j // 2:02d}-{1 + 14 * (j % 2):02d}"
        for item, (mean, sd) in items.items():
            v = mean + sd * rng.standard_normal()
            if item == "temperature" and j == 7:
                v = 36.6
            if item == "aggregates" and j == 10:
                v = 3.2
            lines.append(f"P{j + 1:03d},{day},{item},{v:.3f}")
    data = Path(folder) / "batches.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    limits = Path(folder) / "limits.csv"
    limits.write_text(
        "item,kind,lsl,usl,par_low,par_high,nor_low,nor_high\n"
        "temperature,CPP,,,35.0,37.0,35.5,36.5\n"
        "ph,CPP,,,6.8,7.2,6.9,7.1\n"
        "titre,KPP,,,,,,\n"
        "aggregates,CQA,,3.0,,,,\n"
        "afucosylation,CQA,5.0,11.0,,,,\n", encoding="utf-8")
    return ReviewRequest(data=data, limits=limits, baseline=8)


register(Kind("cpv.chart", ChartRequest, chart, ChartResult,
              title={"en": "Control chart", "zh": "控制图"}, stage="cpv",
              example=_chart_example))
register(Kind("cpv.capability", CapabilityRequest, capability, CapabilityResult,
              title={"en": "Process capability", "zh": "过程能力"}, stage="cpv",
              example=_capability_example))
register(Kind("cpv.t2", T2Request, t2, T2Result,
              title={"en": "Hotelling T² chart", "zh": "Hotelling T² 控制图"}, stage="cpv",
              example=_t2_example))
register(Kind("cpv.review", ReviewRequest, review, CpvReview,
              title={"en": "Continued process verification review", "zh": "持续工艺确认回顾"},
              stage="cpv", example=_review_example))
