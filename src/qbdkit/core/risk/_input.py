"""Reading assessment tables: header aliases (English and Chinese) and cell checks that
collect every problem (file, row, column, expected, found) before raising one error.

Core functions accept either a pandas ``DataFrame`` (notebooks) or a
:class:`qbdkit.io.Table` (CLI, which knows the file and row numbers). Both are
handled through :class:`~qbdkit.io.Table`, a plain data holder: no I/O happens here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import Table, is_blank, normalize_name, require_columns

T = TypeVar("T")

FMEA_ALIASES: dict[str, list[str]] = {
    "id": ["编号", "序号", "no", "item", "fmea_id", "条目"],
    "step": ["工序", "步骤", "工艺步骤", "process_step", "unit_operation", "单元操作", "工艺单元"],
    "function": ["功能", "工序功能", "步骤功能", "process_function"],
    "failure_mode": ["失效模式", "潜在失效模式", "failure mode", "mode"],
    "effect": ["失效影响", "失效后果", "潜在失效影响", "影响", "failure_effect", "effects"],
    "cause": ["失效原因", "潜在失效原因", "原因", "failure_cause", "causes"],
    "prevention": ["预防措施", "预防控制", "现行预防控制", "prevention_control", "prevention_controls"],
    "detection_control": ["探测措施", "探测控制", "现行探测控制", "检测控制", "detection_controls",
                          "current_detection_control"],
    "severity": ["严重度", "严重性", "s", "sev"],
    "occurrence": ["频度", "发生度", "发生频度", "o", "occ"],
    "detection": ["探测度", "可探测性", "探测性", "d", "det", "detectability"],
    "action": ["建议措施", "推荐措施", "措施", "recommended_action", "actions"],
    "owner": ["负责人", "责任人", "responsible"],
    "due": ["完成日期", "截止日期", "目标完成日期", "due_date", "target_date"],
    "revised_severity": ["修订严重度", "措施后严重度", "新严重度", "new_severity", "s2"],
    "revised_occurrence": ["修订频度", "措施后频度", "新频度", "new_occurrence", "o2"],
    "revised_detection": ["修订探测度", "措施后探测度", "新探测度", "new_detection", "d2"],
}
FMEA_REQUIRED = ["id", "step", "failure_mode", "effect", "cause", "severity", "occurrence",
                 "detection"]
FMEA_OPTIONAL = [c for c in FMEA_ALIASES if c not in FMEA_REQUIRED]

CQA_ALIASES: dict[str, list[str]] = {
    "name": ["质量属性", "属性", "名称", "attribute", "quality_attribute", "qa"],
    "impact": ["影响", "影响程度", "影响分值"],
    "uncertainty": ["不确定性", "不确定度"],
    "severity": ["严重性", "严重度"],
    "likelihood": ["可能性", "发生可能性"],
    "rationale": ["理由", "依据", "评估理由", "justification"],
    "category": ["类别", "分类", "attribute_category"],
}

CE_INPUT_ALIASES = ["input", "输入", "工艺参数", "参数", "parameter", "process_parameter", "输入变量"]
CE_WEIGHT_NAMES = {"weight", "weights", "权重", "重要性", "importance"}

CLASSIFY_ALIASES: dict[str, list[str]] = {
    "name": ["参数", "工艺参数", "参数名称", "parameter", "process_parameter"],
    "affects_cqa": ["影响cqa", "是否影响cqa", "显著影响cqa", "cqa_impact", "affects_a_cqa"],
    "cqa_risk": ["cqa风险", "cqa_风险", "质量风险", "cqa_risk_level"],
    "affects_performance": ["影响工艺性能", "是否影响工艺性能", "影响性能", "performance_impact"],
    "performance_risk": ["性能风险", "工艺性能风险", "performance_risk_level"],
    "evidence": ["依据", "证据", "理由", "rationale", "justification"],
    "step": ["工序", "步骤", "单元操作", "unit_operation"],
}

STUDY_ALIASES: dict[str, list[str]] = {
    "name": ["参数", "工艺参数", "parameter"],
    "main_effect": ["主效应", "main", "main_effect_score"],
    "interaction": ["交互作用", "交互", "interaction_score"],
    "step": ["工序", "步骤", "单元操作", "unit_operation"],
}

YES = {"yes", "y", "true", "1", "是", "有", "对", "x", "✓"}
NO = {"no", "n", "false", "0", "否", "无", "不"}
HIGH = {"high", "h", "高", "high risk", "高风险"}
LOW = {"low", "l", "低", "low risk", "低风险"}


def as_table(data: pd.DataFrame | Table, name: str = "<data frame>") -> Table:
    """Wrap a DataFrame as a :class:`Table` (rows numbered as a spreadsheet: first data row 2)."""
    if isinstance(data, Table):
        return data
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame or qbdkit.io.Table, got {type(data).__name__}")
    frame = data.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(frame=frame, file=name, encoding="memory", rows=[i + 2 for i in range(len(frame))])


def canonical(table: Table, required: Sequence[str], aliases: Mapping[str, Sequence[str]],
              optional: Sequence[str] = ()) -> Table:
    """Rename alias headers to canonical names (see :func:`qbdkit.io.require_columns`).

    The user's own headers are remembered (``headers_of``) so errors name the column as
    the user wrote it, e.g. ``严重度 (severity)``.
    """
    if table.frame.empty:
        raise QbdInputError("no data rows", file=table.file, row=2,
                            expected="at least one data row below the header")
    try:
        out = require_columns(table, required, aliases=aliases, optional=optional)
    except QbdInputError:
        moved = _header_below_title(table, required, aliases)
        if moved is None:
            raise
        table = moved
        out = require_columns(table, required, aliases=aliases, optional=optional)
    out.user_headers = {new: old for old, new in zip(table.columns, out.columns, strict=True)
                        if old != new}  # type: ignore[attr-defined]
    return out


def _header_below_title(table: Table, required: Sequence[str],
                        aliases: Mapping[str, Sequence[str]], scan: int = 10) -> Table | None:
    """Spreadsheets often carry a title (e.g. "表 1：DFMEA 风险评估表") above the real header.

    Look in the first ``scan`` rows for one holding every required column (by name or
    alias); if found, make it the header and keep the file row numbers of the rows below.
    """
    names: dict[str, str] = {}
    for canon in required:
        names[normalize_name(canon)] = canon
        for a in aliases.get(canon, ()):
            names[normalize_name(a)] = canon
    frame = table.frame
    for k in range(min(scan, len(frame))):
        cells = ["" if is_blank(v) else str(v).strip() for v in frame.iloc[k].tolist()]
        found = {names.get(normalize_name(c)) for c in cells if c}
        if set(required) <= found:
            header = [c if c else f"column {j + 1}" for j, c in enumerate(cells)]
            if len(set(header)) != len(header):
                return None
            body = frame.iloc[k + 1:].reset_index(drop=True).copy()
            body.columns = header
            rows = [table.row_of(i) for i in range(k + 1, len(frame))]
            return Table(frame=body, file=table.file, encoding=table.encoding, rows=rows,
                         sheet=table.sheet)
    return None


def headers_of(table: Table) -> dict[str, str]:
    """Canonical name → the user's header, for columns that were renamed."""
    return dict(getattr(table, "user_headers", {}))


class Collector:
    """Collect problems over a whole table; raise them together at the end (sorted by row),
    naming columns as the user wrote them when ``table`` is given."""

    def __init__(self, table: Table | None = None) -> None:
        self.problems: list[Problem] = []
        self.headers = {} if table is None else dict(headers_of(table))

    def run(self, fn: Callable[[], T], default: T) -> T:
        try:
            return fn()
        except QbdInputError as exc:
            self.problems.extend(exc.problems)
            return default

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            named = [dataclasses.replace(p, column=f"{self.headers[p.column]} ({p.column})")
                     if p.column in self.headers else p for p in self.problems]
            named.sort(key=lambda p: (p.row or 0))
            raise QbdInputError(problems=named)


def check_unique(table: Table, column: str, values: Sequence[str], out: Collector) -> None:
    """Duplicate or blank identifiers → problems naming both rows."""
    seen: dict[str, int] = {}
    for i, v in enumerate(values):
        if v == "":
            out.add(table.problem(i, column, "blank cell", expected="an identifier", found=""))
            continue
        key = normalize_name(v)
        if key in seen:
            out.add(table.problem(i, column, f"duplicate {column} (also on row "
                                  f"{table.row_of(seen[key])})", expected="a unique value",
                                  found=v))
        else:
            seen[key] = i


def word(table: Table, i: int, column: str, choices: Mapping[str, Iterable[str]],
         *, allow_blank: bool = False) -> str | None:
    """A cell matched (case-insensitively) against named sets of words: ``{"yes": YES, …}``."""
    v = table.cell(i, column)
    if is_blank(v):
        if allow_blank:
            return None
        raise table.error(i, column, "blank cell", expected=_choice_text(choices), found="")
    text = str(v).strip().lower()
    if isinstance(v, float) and v == int(v):
        text = str(int(v))
    for key, words in choices.items():
        if text in words:
            return key
    raise table.error(i, column, "not a recognised value", expected=_choice_text(choices),
                      found=str(v))


def _choice_text(choices: Mapping[str, Iterable[str]]) -> str:
    return " | ".join(f"{k} ({'/'.join(sorted(w, key=len)[:3])})" for k, w in choices.items())


def passthrough(table: Table, i: int, known: Iterable[str]) -> dict[str, Any]:
    """The row's values in input order; text for known text columns, raw values for the rest."""
    known = set(known)
    out: dict[str, Any] = {}
    for col in table.frame.columns:
        v = table.cell(i, col)
        if is_blank(v):
            out[col] = None
        elif col in known:
            out[col] = table.text(i, col)
        elif isinstance(v, str):
            out[col] = v.strip()
        else:
            out[col] = v
    return out
