"""Failure mode and effects analysis (FMEA): risk priority number (RPN) and action priority (AP).

- RPN = S × O × D (severity × occurrence × detection; classic FMEA, 1–1000 on 1–10 scales).
- AP (AIAG & VDA FMEA Handbook 2019): looked up, not multiplied, in the S-band ×
  O-band × D-band table of the scale (``scales/data/aiag-vda.yaml``):
  H = action must be taken, M = should be taken (or justified), L = could be taken.
  Seed 000 table 1 (措施优先级 AP) uses the same table.
- A-Mab drug-product rule (CMC Biotech Working Group 2009; S/O/D on 2/4/6/8/10):
  CPP if S ≥ 8 or RPN > 72; analyse further if 48 < RPN ≤ 72 and S < 8; else not a CPP.
- A-Mab ch. 6 control-strategy FMEA (S/O/D on 1/3/10): RPN ≥ 100 high, 31–90 medium,
  ≤ 30 low.

Whatever the scale, each row gets a priority code ``ap`` in {H, M, L} (from the AP
table, from the RPN bands, or from the CPP rule: H = CPP, M = analyse further,
L = not a CPP) so one worksheet format, ranking and report serve every scale.

Ranking: rank 1 is the most urgent. Scales with ``rank_by: ap`` sort by AP (H > M > L)
then RPN (descending); ``rank_by: rpn`` sorts by RPN then AP; remaining ties by
severity (descending) then input order. Hand-written because no library implements
the AIAG-VDA lookup; the arithmetic is a product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.risk._input import (
    FMEA_ALIASES,
    FMEA_OPTIONAL,
    FMEA_REQUIRED,
    Collector,
    as_table,
    canonical,
    check_unique,
    headers_of,
    passthrough,
)
from qbdkit.errors import QbdInputError
from qbdkit.io.tables import Table, is_blank
from qbdkit.scales import Scale, load_scale

AP_ORDER = {"H": 0, "M": 1, "L": 2}
AP_RANK = AP_ORDER  # public name: sort key, H first
RATINGS = ("severity", "occurrence", "detection")
REVISED = ("revised_severity", "revised_occurrence", "revised_detection")


def rpn(severity: int, occurrence: int, detection: int) -> int:
    """Risk priority number RPN = S × O × D (classic FMEA; 1–1000 on 1–10 scales)."""
    return int(severity) * int(occurrence) * int(detection)


def _check_rating(scale: Scale, name: str, value: Any) -> int:
    allowed = scale.dimension(name).scores
    try:
        ok = float(value) == int(value)
    except (TypeError, ValueError):
        ok = False
    if not ok or int(value) not in allowed:
        raise QbdInputError("rating not on the scale", column=name,
                            expected=f"one of {'/'.join(map(str, allowed))} ({scale.id})",
                            found=value)
    return int(value)


def priority(scale: Scale, severity: int, occurrence: int, detection: int) -> str:
    """The H/M/L priority of one S/O/D triple under ``scale`` (ratings assumed on the scale).

    AP table if the scale has one, else RPN bands, else the A-Mab CPP rule.
    """
    if scale.action_priority is not None:
        ap = scale.action_priority.lookup(severity, occurrence, detection)
        if ap is not None:
            return ap
    value = rpn(severity, occurrence, detection)
    if scale.rpn_bands is not None:
        band = scale.band(value, scale.rpn_bands)
        if band is not None:
            return band.code
    if scale.cpp_rule is not None:
        return _cpp_code(scale, severity, value)
    raise QbdInputError("scale gives no priority for these ratings", file=scale.path,
                        expected="an AP table, rpn_bands or cpp_rule covering them",
                        found=f"S={severity}, O={occurrence}, D={detection}")


def _cpp_code(scale: Scale, severity: int, value: int) -> str:
    rule = scale.cpp_rule
    assert rule is not None
    if severity >= rule.cpp_min_severity or value > rule.further_max_rpn:
        return "H"
    if value > rule.not_cpp_max_rpn:
        return "M"
    return "L"


def action_priority(severity: int, occurrence: int, detection: int, *,
                    scale: str | Scale = "aiag-vda") -> str:
    """AIAG-VDA (2019) action priority ``"H"``, ``"M"`` or ``"L"`` for ratings S, O, D (1–10).

    Raises :class:`QbdInputError` for a rating off the scale.
    """
    sc = load_scale(scale, kind="fmea")
    s = _check_rating(sc, "severity", severity)
    o = _check_rating(sc, "occurrence", occurrence)
    d = _check_rating(sc, "detection", detection)
    return priority(sc, s, o, d)


def dp_fmea_decision(severity: int, occurrence: int, detection: int, *,
                     scale: str | Scale = "amab-dp") -> str:
    """A-Mab drug-product FMEA rule → ``"CPP"``, ``"analyse further"`` or ``"not CPP"``.

    CPP if S ≥ 8 or RPN > 72; analyse further if 48 < RPN ≤ 72 and S < 8; not a CPP if
    RPN ≤ 48 and S < 8 (A-Mab case study 2009, drug product; ratings 2/4/6/8/10).
    """
    sc = load_scale(scale, kind="fmea")
    if sc.cpp_rule is None:
        raise QbdInputError("scale has no CPP rule", file=sc.path, column="cpp_rule",
                            expected="a scale like amab-dp", found=sc.id)
    s = _check_rating(sc, "severity", severity)
    o = _check_rating(sc, "occurrence", occurrence)
    d = _check_rating(sc, "detection", detection)
    return DECISIONS[_cpp_code(sc, s, rpn(s, o, d))]


DECISIONS = {"H": "CPP", "M": "analyse further", "L": "not CPP"}


@dataclass(frozen=True)
class ApResult(Result):
    """One S/O/D triple: ``{"severity","occurrence","detection","rpn","ap"}``."""

    severity: int
    occurrence: int
    detection: int
    rpn: int
    ap: str

    def summary(self) -> str:
        return self.ap


def assess(severity: int, occurrence: int, detection: int, *,
           scale: str | Scale = "aiag-vda") -> ApResult:
    """RPN and AP of one S/O/D triple (what ``qbdkit risk ap`` prints)."""
    ap = action_priority(severity, occurrence, detection, scale=scale)
    s, o, d = int(severity), int(occurrence), int(detection)
    return ApResult(s, o, d, rpn(s, o, d), ap)


@dataclass(frozen=True)
class FmeaResult(Result):
    """A scored, ranked FMEA worksheet.

    ``rows`` are in input order, each the input columns (canonical names for known
    columns, original headers for extra ones) plus ``rpn``, ``ap``, ``rank`` and, when
    revised ratings are given, ``revised_rpn`` and ``revised_ap``; with a CPP-rule scale
    also ``decision``. ``summary`` counts rows per AP: ``{"H": n, "M": n, "L": n}``.
    """

    rows: list[dict[str, Any]]
    summary_counts: dict[str, int]
    scale: str
    rank_by: str
    severity_scores: list[int] = field(default_factory=list)
    occurrence_scores: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    """Canonical column → the worksheet's own header (e.g. ``severity`` → ``严重度``), so
    outputs (the ranked worksheet) keep the user's headers."""

    def to_dict(self) -> dict[str, Any]:
        from qbdkit.core.result import to_jsonable

        return {"rows": to_jsonable(self.rows), "summary": dict(self.summary_counts),
                "scale": self.scale, "rank_by": self.rank_by,
                "severity_scores": list(self.severity_scores),
                "occurrence_scores": list(self.occurrence_scores),
                "headers": dict(self.headers)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FmeaResult:
        """Inverse of :meth:`to_dict` (``summary`` holds the AP counts)."""
        return cls(rows=[dict(r) for r in d["rows"]], summary_counts=dict(d["summary"]),
                   scale=d["scale"], rank_by=d.get("rank_by", "ap"),
                   severity_scores=list(d.get("severity_scores") or []),
                   occurrence_scores=list(d.get("occurrence_scores") or []),
                   headers=dict(d.get("headers") or {}))

    def ranked(self) -> list[dict[str, Any]]:
        """Rows in rank order (most urgent first)."""
        return sorted(self.rows, key=lambda r: r["rank"])

    def heatmap(self) -> dict[str, Any]:
        """Counts of failure modes per (S, O) cell and the worst AP in each cell.

        ``{"severity": [...], "occurrence": [...], "count": [[n]], "ap": [["H"|None]]}`` with
        rows indexed by severity (descending) and columns by occurrence (ascending).
        """
        sev = sorted(self.severity_scores, reverse=True)
        occ = sorted(self.occurrence_scores)
        count = [[0 for _ in occ] for _ in sev]
        worst: list[list[str | None]] = [[None for _ in occ] for _ in sev]
        for r in self.rows:
            i, j = sev.index(r["severity"]), occ.index(r["occurrence"])
            count[i][j] += 1
            if worst[i][j] is None or AP_ORDER[r["ap"]] < AP_ORDER[worst[i][j]]:
                worst[i][j] = r["ap"]
        return {"severity": sev, "occurrence": occ, "count": count, "ap": worst}

    def pareto(self) -> list[dict[str, Any]]:
        """Failure modes by RPN (descending) with cumulative % of the total RPN."""
        rows = sorted(self.rows, key=lambda r: (-r["rpn"], r["rank"]))
        total = sum(r["rpn"] for r in rows) or 1
        out, acc = [], 0
        for r in rows:
            acc += r["rpn"]
            out.append({"id": r["id"], "failure_mode": r.get("failure_mode"), "rpn": r["rpn"],
                        "ap": r["ap"], "cumulative_pct": 100.0 * acc / total})
        return out

    def summary(self) -> str:
        head = ["rank", "id", "step", "failure_mode", "S", "O", "D", "rpn", "ap"]
        rows = [[r["rank"], r["id"], r.get("step"), r.get("failure_mode"), r["severity"],
                 r["occurrence"], r["detection"], r["rpn"], r["ap"]] for r in self.ranked()]
        counts = ", ".join(f"{k} {v}" for k, v in self.summary_counts.items())
        return (f"FMEA ({self.scale}, ranked by {self.rank_by}): {counts}\n"
                + format_table(head, rows))


MERGED = ("step", "function", "failure_mode", "effect")
TEXT_REQUIRED = ("step", "failure_mode", "effect", "cause")


def _fill_merged(table: Table) -> Table:
    """Worksheets merge the cells of a step, its function, a failure mode and its effect over
    the rows of their causes; a merged cell reads as blank below its first row, so blanks in
    those columns take the value from the row above (never across a filled cell)."""
    frame = table.frame.copy()
    for col in MERGED:
        if col in frame.columns:
            blank = frame[col].map(is_blank)
            frame[col] = frame[col].where(~blank).ffill()
    return Table(frame=frame, file=table.file, encoding=table.encoding, rows=table.rows,
                 sheet=table.sheet)


def fmea(data: pd.DataFrame | Table, *, scale: str | Scale = "aiag-vda") -> FmeaResult:
    """Score and rank an FMEA worksheet.

    ``data`` has columns ``id, step, failure_mode, effect, cause, severity, occurrence,
    detection`` (English or Chinese headers: 编号, 工序, 失效模式, 失效影响, 失效原因, 严重度,
    频度, 探测度) and optionally ``function, prevention, detection_control, action, owner,
    due, revised_severity, revised_occurrence, revised_detection``; other columns pass
    through. Cells of ``step``, ``function``, ``failure_mode`` and ``effect`` left blank
    below a filled one (merged cells) take the value above. Every problem (rating off the
    scale, non-integer, blank, duplicate id, missing column) is reported at once as one
    :class:`QbdInputError`.
    """
    sc = load_scale(scale, kind="fmea")
    table = canonical(as_table(data), FMEA_REQUIRED, FMEA_ALIASES, FMEA_OPTIONAL)
    headers = dict(headers_of(table))
    n = len(table.frame)
    out = Collector(table)
    table = _fill_merged(table)
    ids = [table.text(i, "id") for i in range(n)]
    check_unique(table, "id", ids, out)
    for col in TEXT_REQUIRED:
        for i in range(n):
            if is_blank(table.cell(i, col)):
                out.add(table.problem(i, col, "blank cell", expected="a description", found=""))
    allowed = {name: sc.dimension(name).scores for name in RATINGS}
    ratings: list[dict[str, int | None]] = []
    has_revised = [c for c in REVISED if c in table.frame.columns]
    for i in range(n):
        r: dict[str, int | None] = {}
        for name in RATINGS:
            r[name] = out.run(lambda i=i, name=name: table.integer(i, name, allowed=allowed[name]),
                              None)
        for name in has_revised:
            base = name.removeprefix("revised_")
            if is_blank(table.cell(i, name)):
                r[name] = None
            else:
                r[name] = out.run(lambda i=i, name=name, base=base:
                                  table.integer(i, name, allowed=allowed[base]), None)
        filled = [c for c in has_revised if not is_blank(table.cell(i, c))]
        if filled and len(filled) != 3:
            missing = [c for c in REVISED if c not in filled]
            out.add(table.problem(i, missing[0], "revised ratings incomplete",
                                  expected="all three of revised S, O, D or none", found=""))
        ratings.append(r)
    out.raise_if_any()

    rows: list[dict[str, Any]] = []
    text_cols = [c for c in FMEA_REQUIRED + FMEA_OPTIONAL if c not in RATINGS + REVISED]
    for i in range(n):
        row = passthrough(table, i, text_cols)
        s, o, d = (int(ratings[i][k]) for k in RATINGS)  # type: ignore[arg-type]
        row.update(severity=s, occurrence=o, detection=d, id=ids[i])
        row["rpn"] = rpn(s, o, d)
        row["ap"] = priority(sc, s, o, d)
        if sc.cpp_rule is not None:
            row["decision"] = DECISIONS[_cpp_code(sc, s, row["rpn"])]
        if has_revised:
            rs = [ratings[i].get(k) for k in REVISED]
            for k, v in zip(REVISED, rs, strict=True):
                row[k] = v
            if all(v is not None for v in rs):
                s2, o2, d2 = (int(v) for v in rs)  # type: ignore[arg-type]
                row["revised_rpn"] = rpn(s2, o2, d2)
                row["revised_ap"] = priority(sc, s2, o2, d2)
            else:
                row["revised_rpn"] = None
                row["revised_ap"] = None
        rows.append(row)

    def key(i: int) -> tuple:
        r = rows[i]
        if sc.rank_by == "ap":
            return (AP_ORDER[r["ap"]], -r["rpn"], -r["severity"], i)
        return (-r["rpn"], AP_ORDER[r["ap"]], -r["severity"], i)

    for rank, i in enumerate(sorted(range(n), key=key), start=1):
        rows[i]["rank"] = rank
    counts = {k: sum(1 for r in rows if r["ap"] == k) for k in ("H", "M", "L")}
    if any(_is_cjk(h) for h in headers.values()):
        headers.update({k: v for k, v in COMPUTED_ZH.items() if k not in headers})
    return FmeaResult(rows=rows, summary_counts=counts, scale=sc.id, rank_by=sc.rank_by,
                      severity_scores=allowed["severity"],
                      occurrence_scores=allowed["occurrence"], headers=headers)


#: headers of the computed columns when the worksheet's own headers are Chinese
COMPUTED_ZH = {"rank": "排序", "rpn": "风险优先数（RPN）", "ap": "行动优先级（AP）",
               "revised_rpn": "修订风险优先数", "revised_ap": "修订行动优先级", "decision": "结论"}


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def rating_changes(old_rows: list[Mapping[str, Any]], new_rows: list[Mapping[str, Any]],
                   key: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Field-level differences between two versions of an assessment, matched on ``key``."""
    old = {str(r.get(key)): r for r in old_rows}
    new = {str(r.get(key)): r for r in new_rows}
    changes: list[dict[str, Any]] = []
    for k, r in new.items():
        if k not in old:
            changes.append({"item": k, "field": None, "old": None, "new": "added"})
            continue
        for f in fields:
            if old[k].get(f) != r.get(f):
                changes.append({"item": k, "field": f, "old": old[k].get(f), "new": r.get(f)})
    for k in old:
        if k not in new:
            changes.append({"item": k, "field": None, "old": "present", "new": "removed"})
    return changes
