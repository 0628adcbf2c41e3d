"""The periodic continued process verification (cpv) review as one pure function.

From a long table of results (batch, item, value, optional time and site) and the item
limits of the control strategy (kind CPP / KPP / CQA, specification LSL/USL, proven
acceptable range PAR, normal operating range NOR), :func:`cpv_review` gives

* per item: an I-MR chart on the batch values (Nelson or Western Electric rules; limits
  from the first ``baseline`` batches), capability (Cp, Cpk, Pp, Ppk) where a
  specification exists, counts of OOS results and PAR/NOR excursions;
* the signal list, each marked ``new`` when it falls after ``since`` (a batch id or an
  ISO date when the table has times);
* batch disposition: per batch, the items out of specification (OOS), out of trend (a
  chart signal at that batch: OOT), outside the PAR and outside the NOR, and a status in
  that order of severity;
* a summary table (one row per item) for the periodic product review.

I-MR on batch values follows PDA TR-60 (one value per batch; several results of one item
in one batch are averaged, with a note). The engine is
:func:`qbdkit.core.spc.portfolio.imr_portfolio`, vectorised over items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.spc import rules as rules_mod
from qbdkit.core.spc.portfolio import imr_portfolio
from qbdkit.errors import QbdInputError

KINDS = ("CPP", "KPP", "CQA", "")
LIMIT_COLUMNS = ("lsl", "usl", "target", "par_low", "par_high", "nor_low", "nor_high",
                 "center", "sigma", "initial_lcl", "initial_ucl")
#: Ppk below this → "not capable"; below MARGINAL → "marginal" (seed 000; PDA TR-60)
CAPABLE, MARGINAL = 1.0, 1.33
STATUS_ORDER = ("OOS", "PAR excursion", "out of trend", "NOR excursion", "ok")


@dataclass(frozen=True)
class ItemReview(Result):
    """One item of the control strategy: its I-MR chart (batch order), capability and
    counts. ``points`` of signals index ``batches``."""

    item: str
    kind: str
    batches: list[str]
    values: list[float]
    n: int
    center: float | None
    sigma: float | None
    lcl: float | None
    ucl: float | None
    mr_ucl: float | None
    lsl: float | None
    usl: float | None
    par: list[float | None]
    nor: list[float | None]
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    signals: list[dict[str, Any]]
    n_oos: int
    n_outside_par: int
    n_outside_nor: int
    status: str
    limits: str = "estimated"
    initial: list[float | None] = field(default_factory=lambda: [None, None])


@dataclass(frozen=True)
class CpvReview(Result):
    """The review: ``items`` (charts, capability), ``signals`` (item, rule, batch, point,
    new), ``disposition`` (one row per batch), ``summary`` (one row per item)."""

    items: list[ItemReview]
    signals: list[dict[str, Any]]
    disposition: list[dict[str, Any]]
    summary_rows: list[dict[str, Any]]
    batches: list[str]
    since: str | None
    rules: list[str]
    baseline: int | None
    notes: list[str] = field(default_factory=list)
    built_from: list[str] = field(default_factory=list)

    def summary(self) -> str:
        new = sum(1 for s in self.signals if s["new"])
        head = (f"CPV review: {len(self.items)} items × {len(self.batches)} batches; "
                f"{len(self.signals)} signals ({new} new"
                + (f" since {self.since}" if self.since else "") + ")")
        rows = [[r["item"], r["kind"], r["n"], r["mean"], r["cpk"], r["ppk"], r["signals"],
                 r["new_signals"], r["oos"], r["outside_par"], r["outside_nor"], r["status"]]
                for r in self.summary_rows]
        table = format_table(["item", "kind", "n", "mean", "Cpk", "Ppk", "signals", "new",
                              "OOS", "PAR", "NOR", "status"], rows)
        bad = [d for d in self.disposition if d["status"] != "ok"]
        disp = [f"batch {d['batch']}: {d['status']} ("
                + "; ".join(f"{k} {', '.join(d[k])}" for k in ("oos", "oot", "outside_par",
                                                               "outside_nor") if d[k]) + ")"
                for d in bad]
        return "\n".join([head, table, *disp, *[f"note: {n}" for n in self.notes]])


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _opt(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _check_limits(limits: pd.DataFrame, file: str | None) -> pd.DataFrame:
    lim = limits.copy()
    lim.columns = [str(c).strip().lower() for c in lim.columns]
    if "item" not in lim.columns:
        raise QbdInputError("missing column", file=file, row=1, column="item",
                            expected="a header 'item'", found=", ".join(map(str, limits.columns)))
    for c in (*LIMIT_COLUMNS, "kind"):
        if c not in lim.columns:
            lim[c] = np.nan if c != "kind" else ""
    lim["item"] = lim["item"].astype(str).str.strip()
    lim["kind"] = lim["kind"].fillna("").astype(str).str.strip().str.upper()
    dup = lim["item"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise QbdInputError("item listed twice", file=file, row=i + 2, column="item",
                            expected="one row per item", found=lim["item"].iloc[i])
    for i, r in enumerate(lim.itertuples(index=False)):
        row = i + 2
        kind = r.kind
        if kind not in KINDS:
            raise QbdInputError("unknown item kind", file=file, row=row, column="kind",
                                expected="CPP | KPP | CQA", found=kind)
        for c in LIMIT_COLUMNS:
            v = getattr(r, c)
            if v is not None and not (isinstance(v, float) and math.isnan(v)) and \
                    _num(v) is None and str(v).strip() != "":
                raise QbdInputError("not a number", file=file, row=row, column=c,
                                    expected="a number or blank", found=v)
        for lo_c, hi_c, what in (("lsl", "usl", "LSL < USL"), ("par_low", "par_high",
                                                               "PAR low < PAR high"),
                                 ("nor_low", "nor_high", "NOR low < NOR high")):
            lo, hi = _num(getattr(r, lo_c)), _num(getattr(r, hi_c))
            if lo is not None and hi is not None and not lo < hi:
                raise QbdInputError("limits in the wrong order", file=file, row=row,
                                    column=f"{lo_c}/{hi_c}", expected=what,
                                    found=f"{lo:g} ≥ {hi:g}")
    for c in LIMIT_COLUMNS:
        lim[c] = pd.to_numeric(lim[c], errors="coerce")
    return lim.set_index("item")


def cpv_review(data: pd.DataFrame, limits: pd.DataFrame, *, since: str | None = None,
               baseline: int | None = None, rules: str | list[str] | None = "nelson",
               data_file: str | None = None, limits_file: str | None = None,
               built_from: list[str] | None = None) -> CpvReview:
    """Review every item of ``limits`` found in ``data`` (see the module docstring).

    ``data`` columns: ``batch``, ``item``, ``value`` and optionally ``time`` (dates) and
    ``site``; ``limits`` columns: ``item``, ``kind`` and any of ``lsl``, ``usl``,
    ``target``, ``par_low``, ``par_high``, ``nor_low``, ``nor_high`` and ``center`` with
    ``sigma`` (given I-chart limits centre ± 3σ, e.g. the initial limits handed over from
    PPQ, instead of estimates from the baseline), ``initial_lcl``/``initial_ucl`` (earlier
    limits shown beside the current ones, e.g. PPQ's preliminary limits). ``built_from`` says what the review was built
    from (kept in the result). Items in ``data`` that
    ``limits`` does not list are charted too (kind blank). Row numbers in errors assume the
    header is row 1.
    """
    df = data.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    for c in ("batch", "item", "value"):
        if c not in df.columns:
            raise QbdInputError("missing column", file=data_file, row=1, column=c,
                                expected=f"a header '{c}'", found=", ".join(map(str, data.columns)))
    rule_ids = rules_mod.parse_rules(rules)
    if baseline is not None and baseline < 2:
        raise QbdInputError("baseline shorter than the minimum", column="baseline",
                            expected="at least 2 batches", found=baseline)
    vals = pd.to_numeric(df["value"], errors="coerce")
    bad = vals.isna() & df["value"].notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise QbdInputError("not a number", file=data_file, row=i + 2, column="value",
                            expected="a number", found=df["value"].iloc[i])
    df["value"] = vals
    df = df[df["value"].notna()].copy()
    df["batch"] = df["batch"].astype(str).str.strip()
    df["item"] = df["item"].astype(str).str.strip()
    lim = _check_limits(limits, limits_file)
    notes: list[str] = []
    has_time = "time" in df.columns and df["time"].notna().any()
    if has_time:
        t = pd.to_datetime(df["time"], errors="coerce")
        if t.isna().any() and df["time"].notna().any():
            i = int(np.flatnonzero((t.isna() & df["time"].notna()).to_numpy())[0]) \
                if (t.isna() & df["time"].notna()).any() else None
            if i is not None:
                raise QbdInputError("not a date", file=data_file, row=i + 2, column="time",
                                    expected="a date like 2024-03-01", found=df["time"].iloc[i])
        df["time"] = t
        btime = df.groupby("batch", sort=False)["time"].min()
        batch_order = list(btime.sort_values(kind="stable").index)
    else:
        btime = None
        batch_order = list(pd.unique(df["batch"]))
    if len(batch_order) < 2:
        raise QbdInputError("fewer than 2 batches", file=data_file, column="batch",
                            expected="results of at least 2 batches", found=len(batch_order))
    site = df.groupby("batch", sort=False)["site"].first() if "site" in df.columns else None
    counts = df.groupby(["item", "batch"]).size()
    if (counts > 1).any():
        notes.append(f"{int((counts > 1).sum())} item×batch cells have several results; "
                     "their mean is charted")
    wide = df.pivot_table(index="item", columns="batch", values="value", aggfunc="mean",
                          sort=False)
    items = list(lim.index[lim.index.isin(wide.index)]) + [i for i in wide.index
                                                           if i not in lim.index]
    missing = [i for i in lim.index if i not in wide.index]
    if missing:
        notes.append("no results for: " + ", ".join(missing))
    wide = wide.reindex(index=items, columns=batch_order)
    X = wide.to_numpy(float)
    lrow = lim.reindex(items)
    lsl, usl = lrow["lsl"].to_numpy(float), lrow["usl"].to_numpy(float)
    given_c, given_s = lrow["center"].to_numpy(float), lrow["sigma"].to_numpy(float)
    for i, item in enumerate(items):
        if np.isfinite(given_s[i]) and not given_s[i] > 0:
            raise QbdInputError("sigma out of range", file=limits_file,
                                row=int(np.flatnonzero(lim.index == item)[0]) + 2,
                                column="sigma", expected="a number > 0", found=given_s[i])
    known = np.isfinite(given_c) & np.isfinite(given_s)
    if known.any():
        notes.append(f"{int(known.sum())} items charted against given limits (centre and σ "
                     "of the limits table, e.g. handed over from PPQ)")
    pc = imr_portfolio(X, baseline=baseline, rules=rule_ids, lsl=lsl, usl=usl,
                       center=np.where(known, given_c, np.nan),
                       sigma=np.where(known, given_s, np.nan))
    # where a new signal starts
    since_pos = None
    if since:
        if since in batch_order:
            since_pos = batch_order.index(since)
        elif has_time:
            ts = pd.to_datetime(since, errors="coerce")
            if pd.isna(ts):
                raise QbdInputError("unknown batch or date", column="since",
                                    expected="a batch id or a date like 2024-03-01",
                                    found=since)
            assert btime is not None
            since_pos = int(np.sum(btime.reindex(batch_order).to_numpy() <= np.datetime64(ts))) - 1
        else:
            raise QbdInputError("unknown batch", column="since",
                                expected="a batch id of the data (or a date when it has a "
                                         "time column)", found=since)
    texts = dict(rules_mod.RULES, mr="moving range beyond its upper limit")
    signals: list[dict[str, Any]] = []
    per_item_sig: list[list[dict[str, Any]]] = [[] for _ in items]
    oot = np.zeros_like(X, dtype=bool)
    for rule, flag in pc.flags.items():
        ii, jj = np.nonzero(flag)
        oot |= flag
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            s = {"item": items[i], "kind": str(lrow["kind"].iloc[i] or ""), "rule": rule,
                 "chart": "dispersion" if rule == "mr" else "location",
                 "batch": batch_order[j], "point": j,
                 "new": since_pos is None or j > since_pos,
                 "description": texts.get(rule, rule)}
            signals.append(s)
            per_item_sig[i].append(s)
    order_rule = {r: k for k, r in enumerate([*rule_ids, "mr"])}
    signals.sort(key=lambda s: (s["point"], items.index(s["item"]), order_rule.get(s["rule"], 99)))
    with np.errstate(invalid="ignore"):
        oos = (lsl[:, None] > X) | (usl[:, None] < X)
        pl, ph = lrow["par_low"].to_numpy(float), lrow["par_high"].to_numpy(float)
        nl, nh = lrow["nor_low"].to_numpy(float), lrow["nor_high"].to_numpy(float)
        out_par = (pl[:, None] > X) | (ph[:, None] < X)
        out_nor = (nl[:, None] > X) | (nh[:, None] < X)
    disposition = []
    for j, b in enumerate(batch_order):
        entry = {"batch": b,
                 "time": None if btime is None else pd.Timestamp(btime[b]).date().isoformat(),
                 "site": None if site is None else (None if pd.isna(site.get(b)) else
                                                    str(site.get(b))),
                 "oos": [items[i] for i in np.flatnonzero(oos[:, j])],
                 "oot": [items[i] for i in np.flatnonzero(oot[:, j])],
                 "outside_par": [items[i] for i in np.flatnonzero(out_par[:, j])],
                 "outside_nor": [items[i] for i in np.flatnonzero(out_nor[:, j])],
                 "new": since_pos is None or j > since_pos}
        status = "ok"
        for key, name in (("outside_nor", "NOR excursion"), ("oot", "out of trend"),
                          ("outside_par", "PAR excursion"), ("oos", "OOS")):
            if entry[key]:
                status = name
        entry["status"] = status
        disposition.append(entry)
    reviews: list[ItemReview] = []
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        obs = ~np.isnan(X[i])
        ppk = _opt(pc.ppk[i])
        n_new = sum(1 for s in per_item_sig[i] if s["new"])
        if int(oos[i].sum()):
            status = "OOS"
        elif ppk is not None and ppk < CAPABLE:
            status = "not capable"
        elif n_new:
            status = "new signals"
        elif ppk is not None and ppk < MARGINAL:
            status = "marginal capability"
        else:
            status = "ok"
        if int(obs.sum()) < 2:
            status = "too few results"
        rev = ItemReview(
            item=item, kind=str(lrow["kind"].iloc[i] or ""),
            batches=[batch_order[j] for j in np.flatnonzero(obs)],
            values=[float(v) for v in X[i, obs]], n=int(obs.sum()),
            center=_opt(pc.center[i]), sigma=_opt(pc.sigma[i]), lcl=_opt(pc.lcl[i]),
            ucl=_opt(pc.ucl[i]), mr_ucl=_opt(pc.mr_ucl[i]), lsl=_opt(lsl[i]), usl=_opt(usl[i]),
            par=[_opt(pl[i]), _opt(ph[i])], nor=[_opt(nl[i]), _opt(nh[i])],
            cp=_opt(pc.cp[i]), cpk=_opt(pc.cpk[i]), pp=_opt(pc.pp[i]), ppk=ppk,
            signals=[dict(s, point=int(np.sum(obs[: s["point"]]))) for s in per_item_sig[i]],
            n_oos=int(oos[i].sum()), n_outside_par=int(out_par[i].sum()),
            n_outside_nor=int(out_nor[i].sum()), status=status,
            limits="given" if known[i] else "estimated",
            initial=[_opt(lrow["initial_lcl"].iloc[i]), _opt(lrow["initial_ucl"].iloc[i])])
        reviews.append(rev)
        rows.append({"item": item, "kind": rev.kind, "n": rev.n, "mean": _opt(pc.mean[i]),
                     "sd": _opt(pc.sd[i]), "min": float(np.nanmin(X[i])) if rev.n else None,
                     "max": float(np.nanmax(X[i])) if rev.n else None, "lsl": rev.lsl,
                     "usl": rev.usl, "cpk": rev.cpk, "ppk": rev.ppk,
                     "signals": len(per_item_sig[i]), "new_signals": n_new, "oos": rev.n_oos,
                     "outside_par": rev.n_outside_par, "outside_nor": rev.n_outside_nor,
                     "status": status, "limits": rev.limits, "lcl": rev.lcl, "ucl": rev.ucl,
                     "initial_lcl": rev.initial[0], "initial_ucl": rev.initial[1]})
    return CpvReview(items=reviews, signals=signals, disposition=disposition,
                     summary_rows=rows, batches=batch_order, since=since, rules=rule_ids,
                     baseline=baseline, notes=notes, built_from=list(built_from or []))
