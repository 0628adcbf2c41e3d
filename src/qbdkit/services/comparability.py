"""Comparability and change-control use cases (ICH Q5E).

* :func:`run_comparability` — pre- vs post-change lots (two one-row-per-lot CSV/XLSX files,
  an id column and one column per attribute), each attribute in its tier, optional
  stability-slope comparison (a long table: lot, group pre/post, time, value) and PCA.
* :func:`run_change` — class a change record by the seed rules (or a site's rule file) and
  give the comparability protocol for the class.

Record kinds: ``comparability.analysis`` and ``change.classification``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from qbdkit.core.comparability import (
    ChangeClassification,
    TieredComparability,
    classify_change,
    compare_slopes,
    tiered_comparability,
)
from qbdkit.errors import Problem, QbdInputError
from qbdkit.i18n import both
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

__all__ = ["ChangeRequest", "ComparabilityRequest", "run_change", "run_comparability"]


class ComparabilityRequest(Request):
    """Everything ``qbdkit comparability analyze`` takes."""

    pre: Path = input_file(description="pre-change lots (CSV/XLSX), one row per lot")
    post: Path = input_file(description="post-change lots (CSV/XLSX), one row per lot")
    tiers: dict[str, int] = Field(default_factory=dict)
    """attribute → tier (1, 2, 3); empty: every shared numeric attribute in tier 2."""
    id_column: str | None = None
    alpha: float = Field(0.05, gt=0, lt=0.5)
    margin_sd: float = Field(1.5, gt=0)
    margins: dict[str, float] = Field(default_factory=dict)
    k: float = Field(3.0, gt=0)
    min_share: float = Field(0.9, gt=0, le=1)
    min_reference: dict[int, int] = Field(default_factory=dict)
    multivariate: bool = False
    stability: Path | None = input_file(None, description="stability of pre and post lots")
    stability_lot: str = "lot"
    stability_group: str = "group"
    stability_time: str = "time"
    stability_value: str = "value"
    slope_margin: float | None = Field(None, gt=0)


class ChangeRequest(Request):
    """A change record and (optionally) a rule file."""

    description: str = ""
    change_type: str | None = None
    affected_steps: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    phase: Literal["preclinical", "early-clinical", "late-clinical", "pivotal",
                   "commercial"] | None = None
    within_design_space: bool | None = None
    cqa_impact: Literal["none", "low", "possible", "likely"] | None = None
    impact_predictable: bool | None = None
    rules: Path | None = input_file(None, description="rule file (YAML) replacing the defaults")


def _wide(path: Path, id_column: str | None):
    from qbdkit.core.sdm import numeric_attributes
    from qbdkit.io import read_table

    table = read_table(path)
    frame, ids, _ = numeric_attributes(table.frame, file=table.file, rows=table.rows,
                                       id_column=id_column)
    return frame, ids, table.file


def run_comparability(req: ComparabilityRequest, ctx: Context | None = None
                      ) -> TieredComparability:
    """Read both files (and the stability table), run every tier, conclude."""
    pre, _, pre_file = _wide(req.pre, req.id_column)
    post, post_ids, post_file = _wide(req.post, req.id_column)
    tiers = dict(req.tiers) or {c: 2 for c in pre.columns if c in post.columns}
    problems = []
    for name in tiers:
        for frame, file in ((pre, pre_file), (post, post_file)):
            if name not in frame.columns:
                problems.append(Problem("attribute missing", file, 1, name,
                                        "a numeric column " + repr(name),
                                        ", ".join(frame.columns)))
    if problems:
        raise QbdInputError(problems=problems)
    if not tiers:
        raise QbdInputError("no attribute in both files", file=post_file, row=1,
                            expected="numeric attribute columns shared with " + pre_file)
    slopes = None
    if req.stability is not None:
        slopes = _slopes(req)
    if ctx is not None:
        ctx.report(0.5, "tiers")
    return tiered_comparability(
        pre, post, tiers, post_ids=post_ids, alpha=req.alpha, margin_sd=req.margin_sd,
        margins=req.margins, k=req.k, min_share=req.min_share,
        min_reference={int(k): int(v) for k, v in req.min_reference.items()}, slopes=slopes,
        multivariate=req.multivariate, file=pre_file)


def _slopes(req: ComparabilityRequest):
    from qbdkit.io import read_table

    table = read_table(req.stability)
    cols = (req.stability_lot, req.stability_group, req.stability_time, req.stability_value)
    missing = [c for c in cols if c not in table.frame.columns]
    if missing:
        raise QbdInputError(problems=[Problem("missing column", table.file, 1, c, repr(c),
                                              ", ".join(table.columns)) for c in missing])
    f = table.frame
    groups = f[req.stability_group].astype(str).str.strip().str.lower()
    post_words = {"post", "post-change", "after", "变更后", "new"}
    pre_words = {"pre", "pre-change", "before", "变更前", "old"}
    bad = [i for i, g in enumerate(groups) if g not in post_words | pre_words]
    if bad:
        i = bad[0]
        raise QbdInputError("unknown group", file=table.file, row=table.rows[i],
                            column=req.stability_group, expected="pre | post (变更前 | 变更后)",
                            found=str(f[req.stability_group].iloc[i]))
    for c in (req.stability_time, req.stability_value):
        for i in range(len(f)):
            table.number(i, c)
    return compare_slopes(f[req.stability_lot].tolist(), f[req.stability_time].astype(float),
                          f[req.stability_value].astype(float), groups.isin(post_words).tolist(),
                          alpha=req.alpha, margin=req.slope_margin)


def run_change(req: ChangeRequest, ctx: Context | None = None) -> ChangeClassification:
    """Class the change (:func:`qbdkit.core.comparability.classify_change`)."""
    rules = None
    if req.rules is not None:
        import yaml

        from qbdkit.io.tables import read_text

        text, _ = read_text(req.rules)
        try:
            rules = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise QbdInputError(f"not valid YAML: {exc}".splitlines()[0],
                                file=str(req.rules)) from None
        if not isinstance(rules, dict) or not isinstance(rules.get("rules"), list):
            raise QbdInputError("not a rule file", file=str(req.rules), column="rules",
                                expected="a mapping with a 'rules' list")
    record = {k: v for k, v in req.model_dump(exclude={"rules"}).items()
              if v not in (None, [], "")}
    return classify_change(record, rules)


register(Kind("comparability.analysis", ComparabilityRequest, run_comparability,
              TieredComparability, title=both("Comparability (tiered)", "comparability"),
              stage="comparability"))
register(Kind("change.classification", ChangeRequest, run_change, ChangeClassification,
              title=both("Change classification", "comparability"), stage="change"))
