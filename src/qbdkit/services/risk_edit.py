"""Editing a stored FMEA in place, row by row (the web application's FMEA grid, issue 15).

:func:`fmea_preview` answers, for one row's severity S, occurrence O and detection D as the
user types them, the RPN and the action priority (AP) under the record's own scale — through
:func:`qbdkit.core.risk.fmea.assess`, never a second copy of the AIAG-VDA table.

:func:`edit_fmea` applies row edits (ratings and texts) to the newest stored version of a
``risk.fmea`` record and stores the next version with optimistic locking: the caller names
the version it started from (``expected_version``); if someone saved another version
meanwhile, :class:`~qbdkit.errors.Conflict` and nothing is stored, so nothing is lost — the
second author reloads and applies the change again. The edited worksheet is written back as
CSV (with the worksheet's own headers, Chinese or English) and re-assessed by the registered
``risk.fmea`` use case, so the new version is an ordinary analysis record: RPN, AP and rank
recomputed by core, the worksheet's bytes stored, re-runnable with ``qbdkit records rerun``,
the scale it was made with kept (a scale file stored with the record is carried over).

:func:`risk_overview` gives the newest record of each risk assessment of a project (FMEA,
C&E with its Pareto data, CQA scoring, parameter classes, study plan) rebuilt as result
objects, for pages that show them.

Abbreviations: FMEA failure mode and effects analysis; RPN risk priority number; AP action
priority (AIAG & VDA FMEA Handbook 2019); C&E cause and effect; CQA critical quality
attribute.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qbdkit.core.result import Result
from qbdkit.errors import Problem, QbdInputError

KIND = "risk.fmea"
RATING_FIELDS = ("severity", "occurrence", "detection",
                 "revised_severity", "revised_occurrence", "revised_detection")
COMPUTED = ("rpn", "ap", "rank", "revised_rpn", "revised_ap", "decision")


def _editable() -> tuple[str, ...]:
    from qbdkit.core.risk._input import FMEA_OPTIONAL, FMEA_REQUIRED

    return tuple(c for c in FMEA_REQUIRED + FMEA_OPTIONAL if c != "id")


class RowEdit(BaseModel):
    """New values of some fields of one FMEA row (``id`` names the row): ratings as integers
    or their text, descriptions as text; fields not given stay as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    values: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class RowPreview(Result):
    """One row's RPN = S × O × D and action priority H/M/L under the record's scale."""

    row: str
    severity: int
    occurrence: int
    detection: int
    rpn: int
    ap: str
    scale: str

    def summary(self) -> str:
        return (f"{self.row}: S {self.severity} × O {self.occurrence} × D {self.detection} = "
                f"RPN {self.rpn}; AP {self.ap} ({self.scale})")


@dataclass(frozen=True)
class FmeaEdit(Result):
    """The stored new version: where (``kind``, ``key``, ``version``), which rows changed
    and the re-assessed result as stored."""

    project: str
    key: str
    version: int
    changed: list[dict[str, Any]]
    result: dict[str, Any] = field(repr=False)

    def summary(self) -> str:
        what = "; ".join(f"{c['id']}.{c['field']}: {c['old']} → {c['new']}"
                         for c in self.changed) or "no change"
        return f"{KIND}/{self.key} v{self.version} stored ({what})"


# ---- the stored record and its scale --------------------------------------------------------


def _record(project: str, key: str, version: int | None, user: str | None,
            url: str | None) -> dict[str, Any]:
    from qbdkit.services.records import get_record

    record = get_record(project, KIND, key, version, user=user, url=url)
    content = record["content"]
    if not isinstance(content, dict) or not isinstance(content.get("result"), dict) \
            or not isinstance(content["result"].get("rows"), list):
        raise QbdInputError("this record holds no FMEA worksheet", column="record",
                            expected="a risk.fmea record with rows",
                            found=f"{KIND}/{key} v{record['version']}")
    return record


def _materialise(project: str, record: dict[str, Any], folder: Path,
                 url: str | None) -> dict[str, Path]:
    """Write the record's stored input files under ``folder``: ``{field: path}``."""
    from qbdkit.services.records import record_inputs

    paths = {}
    for name, (filename, data) in record_inputs(project, KIND, record["key"],
                                                record["version"], url=url).items():
        sub = folder / name.replace("[", "_").replace("]", "")
        sub.mkdir(parents=True, exist_ok=True)
        target = sub / Path(filename).name
        target.write_bytes(data)
        paths[name] = target
    return paths


def _request(project: str, record: dict[str, Any], folder: Path, url: str | None) -> Any:
    """The record's FmeaRequest (its stored options, input files under ``folder``); for a
    record stored without its request (:func:`~qbdkit.services.risk.store_assessment`), a
    request naming the result's scale."""
    from qbdkit.services.risk import FmeaRequest

    content = record["content"]
    if "request" in content:
        paths = _materialise(project, record, folder, url)
        request = dict(content["request"])
        request.setdefault("file", "worksheet.csv")
        return FmeaRequest.model_validate(request).with_inputs(paths)
    return FmeaRequest(file=folder / "worksheet.csv", scale=content["result"].get("scale"))


def _scale_of(req: Any) -> Any:
    from qbdkit.scales import load_scale
    from qbdkit.services.risk import _scale

    return load_scale(_scale(req, req.scale, "fmea"), kind="fmea")


def _where(record: dict[str, Any]) -> str:
    return f"{KIND}/{record['key']} v{record['version']}"


def _row_index(record: dict[str, Any], row_id: str) -> int:
    rows = record["content"]["result"]["rows"]
    for i, r in enumerate(rows):
        if str(r.get("id")) == str(row_id):
            return i
    raise QbdInputError("no such FMEA row", file=_where(record), column="id",
                        expected="one of " + ", ".join(str(r.get("id")) for r in rows[:40]),
                        found=row_id)


def _rating(scale: Any, record: dict[str, Any], index: int, row_id: str, name: str,
            value: Any, *, blank_ok: bool = False) -> int | None:
    """``value`` (int or its text) as an integer rating on the scale, else one
    :class:`Problem` naming the record, the worksheet row, the row id and the field."""
    base = name.removeprefix("revised_")
    allowed = scale.dimension(base).scores
    text = "" if value is None else str(value).strip()
    if text == "" and blank_ok:
        return None
    try:
        number = float(text)
        ok = number == int(number)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or int(number) not in allowed:
        raise QbdInputError(problems=[Problem(
            "rating not on the scale", _where(record), index + 2, f"{row_id}.{name}",
            f"an integer {'/'.join(map(str, allowed))} ({scale.id})", text)])
    return int(number)


# ---- use cases -------------------------------------------------------------------------------


def fmea_preview(project: str, key: str, row: str, severity: Any, occurrence: Any,
                 detection: Any, *, version: int | None = None, user: str | None = None,
                 url: str | None = None) -> RowPreview:
    """RPN and AP of one row's ratings as typed (nothing stored), under the scale of the
    record ``risk.fmea/key`` (``version``, default the newest). Ratings off the scale →
    :class:`QbdInputError` naming the row (its id and worksheet row) and the field."""
    from qbdkit.core.risk.fmea import assess

    record = _record(project, key, version, user, url)
    index = _row_index(record, row)
    with tempfile.TemporaryDirectory(prefix="qbdkit-fmea-") as tmp:
        scale = _scale_of(_request(project, record, Path(tmp), url))
    problems: list[Problem] = []
    values = {}
    for name, value in (("severity", severity), ("occurrence", occurrence),
                        ("detection", detection)):
        try:
            values[name] = _rating(scale, record, index, row, name, value)
        except QbdInputError as exc:
            problems += exc.problems
    if problems:
        raise QbdInputError(problems=problems)
    res = assess(values["severity"], values["occurrence"], values["detection"], scale=scale)
    return RowPreview(str(row), res.severity, res.occurrence, res.detection, res.rpn, res.ap,
                      scale.id)


def _shown(value: Any) -> str:
    """A cell as the worksheet shows it (blank for None), to tell real changes."""
    return "" if value is None else str(value).strip()


def _apply(record: dict[str, Any], scale: Any, edits: list[RowEdit]
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The record's rows with ``edits`` applied (every problem collected) and the changes."""
    editable = _editable()
    rows = [dict(r) for r in record["content"]["result"]["rows"]]
    changes: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for edit in edits:
        try:
            i = _row_index(record, edit.id)
        except QbdInputError as exc:
            problems += exc.problems
            continue
        for name, value in edit.values.items():
            if name not in editable:
                problems.append(Problem("not an editable FMEA field", _where(record), i + 2,
                                        f"{edit.id}.{name}", ", ".join(editable), name))
                continue
            try:
                if name in RATING_FIELDS:
                    new: Any = _rating(scale, record, i, edit.id, name, value,
                                       blank_ok=name.startswith("revised_"))
                else:
                    new = "" if value is None else str(value).strip()
                    if len(new) > 2000:
                        raise QbdInputError(problems=[Problem(
                            "text too long", _where(record), i + 2, f"{edit.id}.{name}",
                            "at most 2000 characters", f"{len(new)} characters")])
            except QbdInputError as exc:
                problems += exc.problems
                continue
            old = rows[i].get(name)
            if _shown(old) != _shown(new):
                rows[i][name] = new
                changes.append({"id": edit.id, "field": name, "old": old, "new": new})
    if problems:
        raise QbdInputError(problems=problems)
    return rows, changes


def pending_changes(project: str, key: str, edits: list[RowEdit | dict[str, Any]], *,
                    version: int, user: str | None = None, url: str | None = None
                    ) -> list[dict[str, Any]]:
    """The changes ``edits`` make to version ``version`` (validated, nothing stored):
    ``[{"id", "field", "old", "new"}]`` — what an author whose save met a
    :class:`~qbdkit.errors.Conflict` still has to apply to the newest version."""
    items = [e if isinstance(e, RowEdit) else RowEdit.model_validate(e) for e in edits]
    record = _record(project, key, version, user, url)
    with tempfile.TemporaryDirectory(prefix="qbdkit-fmea-") as tmp:
        scale = _scale_of(_request(project, record, Path(tmp), url))
    return _apply(record, scale, items)[1]


def _worksheet(rows: list[dict[str, Any]], headers: dict[str, str], path: Path) -> None:
    """Write ``rows`` as a CSV worksheet with the worksheet's own headers (UTF-8 with BOM, as
    Excel in China expects); computed columns are left out (core computes them again)."""
    import pandas as pd

    from qbdkit.core.risk._input import FMEA_OPTIONAL, FMEA_REQUIRED

    known = list(FMEA_REQUIRED + FMEA_OPTIONAL)
    present = [c for c in known if any(c in r for r in rows)]
    extra: list[str] = []
    for r in rows:
        extra += [k for k in r if k not in known and k not in COMPUTED and k not in extra]
    columns = present + extra
    frame = pd.DataFrame([[("" if r.get(c) is None else r.get(c)) for c in columns]
                          for r in rows], columns=[headers.get(c, c) for c in columns])
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def edit_fmea(project: str, key: str, edits: list[RowEdit | dict[str, Any]], *,
              expected_version: int, reason: str, ctx: Any) -> FmeaEdit:
    """Apply ``edits`` to version ``expected_version`` of ``risk.fmea/key`` and store the
    re-assessed worksheet as the next version (``ctx.user`` authors it).

    Optimistic locking: when ``expected_version`` is no longer the newest,
    :class:`~qbdkit.errors.Conflict` and nothing is stored. Every bad value is reported at
    once (:class:`QbdInputError`, each problem naming row id, worksheet row and field).
    """
    from qbdkit.services.kinds import get_kind
    from qbdkit.services.records import store_result

    if not (reason or "").strip():
        raise QbdInputError("a reason is required to supersede a record", column="reason",
                            expected="why the FMEA changes",
                            found=f"{KIND}/{key} v{expected_version}")
    from qbdkit.services.users import require
    from qbdkit.store import transaction

    with transaction(ctx.url, write=False) as session:  # fail early: no right, no work
        require(session, ctx.user, "author")
    items = [e if isinstance(e, RowEdit) else RowEdit.model_validate(e) for e in edits]
    record = _record(project, key, expected_version, ctx.user, ctx.url)
    with tempfile.TemporaryDirectory(prefix="qbdkit-fmea-") as tmp:
        req = _request(project, record, Path(tmp), ctx.url)
        scale = _scale_of(req)
        rows, changes = _apply(record, scale, items)
        if not changes:
            raise QbdInputError("nothing changed", column="edits",
                                expected="at least one changed value",
                                found=f"{KIND}/{key} v{expected_version}")
        original = Path(req.file).name if "request" in record["content"] else f"{key}.csv"
        name = original if original.lower().endswith(".csv") else f"{Path(original).stem}.csv"
        out = Path(tmp) / "edited" / name
        out.parent.mkdir()
        _worksheet(rows, record["content"]["result"].get("headers") or {}, out)
        req = req.model_copy(update={"file": out, "sheet": None, "header_row": None})
        result = get_kind(KIND).run(req, ctx)
        stored = store_result(KIND, req, result, ctx, project=project, name=key, reason=reason,
                              expected_version=expected_version)
    return FmeaEdit(project, key, stored.version, changes, result.to_dict())


# ---- the risk records of a project, for pages -------------------------------------------------


def risk_overview(project: str, *, user: str | None = None, url: str | None = None
                  ) -> dict[str, list[dict[str, Any]]]:
    """``{assessment: [{key, version, state, user, at, result}]}`` — the newest version of
    each risk record of ``project`` (``result`` rebuilt as its result class when it can be:
    FmeaResult, CeResult with its Pareto columns, CqaResult, ClassificationResult…)."""
    from qbdkit.services.records import latest_record, list_records
    from qbdkit.services.render import result_object
    from qbdkit.services.risk import KINDS

    out: dict[str, list[dict[str, Any]]] = {a: [] for a in KINDS}
    by_kind = {v: k for k, v in KINDS.items()}
    for r in list_records(project, user=user, url=url).records:
        if r["kind"] not in by_kind:
            continue
        full = latest_record(project, r["kind"], r["key"], url=url) or {}
        content = full.get("content") if isinstance(full.get("content"), dict) else {}
        stored = content.get("result", content)
        obj = result_object(r["kind"], stored)
        out[by_kind[r["kind"]]].append({**r, "result": obj if obj is not None else stored})
    return out
