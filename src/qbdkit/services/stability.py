"""Stability use cases: ICH Q1E shelf life and the out-of-trend check of a new result.

Input: a long table (CSV/XLSX), one row per result, with a batch column, a time column and
a value column (names chosen by the user; Chinese headers such as 批次/月/含量 work as
written). Record kinds: ``stability.shelf_life`` and ``stability.trend``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from qbdkit.core.stability import ShelfLifeResult, TrendCheck, out_of_trend, shelf_life
from qbdkit.errors import QbdInputError
from qbdkit.i18n import both
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

__all__ = ["ShelfLifeRequest", "TrendRequest", "run_shelf_life", "run_trend"]


class ShelfLifeRequest(Request):
    """Everything ``qbdkit stability shelf-life`` takes."""

    file: Path = input_file(description="stability results (CSV/XLSX), one row per result")
    batch: str = "batch"
    time: str = "time"
    value: str = "value"
    lower: float | None = None
    upper: float | None = None
    alpha: float = Field(0.05, gt=0, lt=0.5)
    alpha_pool: float = Field(0.25, gt=0, lt=1)
    transform: Literal["none", "log"] = "none"
    random_batch: bool = False
    pooled_error: bool = False
    search_limit: float | None = Field(None, gt=0)
    storage: Literal["room", "refrigerated", "frozen", "below-20"] | None = "room"
    accelerated_change: bool = False
    intermediate_change: bool | None = None
    little_change: bool = False
    biologic: bool = False
    sheet: str | None = None


class TrendRequest(Request):
    """A new result checked against the prediction interval of the earlier results."""

    file: Path = input_file(description="earlier stability results (CSV/XLSX)")
    batch: str = "batch"
    time: str = "time"
    value: str = "value"
    new_batch: str
    new_time: float
    new_value: float
    alpha: float = Field(0.05, gt=0, lt=0.5)
    sheet: str | None = None


def _columns(path: Path, sheet: str | None, names: tuple[str, str, str]):
    from qbdkit.errors import Problem
    from qbdkit.io import read_table

    table = read_table(path, sheet=sheet if sheet is not None else 0)
    missing = [n for n in names if n not in table.frame.columns]
    if missing:
        raise QbdInputError(problems=[
            Problem("missing column", table.file, 1, n, f"a header {n!r}",
                    ", ".join(table.columns)) for n in missing])
    return table


def run_shelf_life(req: ShelfLifeRequest, ctx: Context | None = None) -> ShelfLifeResult:
    """Read the table and estimate the shelf life (:func:`qbdkit.core.stability.shelf_life`)."""
    names = (req.batch, req.time, req.value)
    table = _columns(req.file, req.sheet, names)
    if ctx is not None:
        ctx.report(0.2, "fitting")
    f = table.frame
    return shelf_life(
        f[req.batch].tolist(), f[req.time].tolist(), f[req.value].tolist(), lower=req.lower,
        upper=req.upper, alpha=req.alpha, alpha_pool=req.alpha_pool, transform=req.transform,
        random_batch=req.random_batch, pooled_error=req.pooled_error,
        search_limit=req.search_limit, storage=req.storage,
        accelerated_change=req.accelerated_change, intermediate_change=req.intermediate_change,
        little_change=req.little_change, biologic=req.biologic, file=table.file,
        rows=table.rows, columns=names)


def run_trend(req: TrendRequest, ctx: Context | None = None) -> TrendCheck:
    """Check a new result against the earlier ones (:func:`qbdkit.core.stability.out_of_trend`)."""
    from qbdkit.core.stability import check_stability_data

    names = (req.batch, req.time, req.value)
    table = _columns(req.file, req.sheet, names)
    f = table.frame
    frame = check_stability_data(f[req.batch].tolist(), f[req.time].tolist(),
                                 f[req.value].tolist(), file=table.file, rows=table.rows,
                                 columns=names)
    return out_of_trend(frame["batch"], frame["time"], frame["value"], new_batch=req.new_batch,
                        new_time=req.new_time, new_value=req.new_value, alpha=req.alpha)


register(Kind("stability.shelf_life", ShelfLifeRequest, run_shelf_life, ShelfLifeResult,
              title=both("Shelf life (ICH Q1E)", "stability"), stage="stability"))
register(Kind("stability.trend", TrendRequest, run_trend, TrendCheck,
              title=both("Out-of-trend check", "stability"), stage="stability"))
