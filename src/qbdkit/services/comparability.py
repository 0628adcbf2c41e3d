"""Comparability and change-control use cases (ICH Q5E).

* :func:`run_comparability` — pre- vs post-change lots (two one-row-per-lot CSV/XLSX files,
  an id column and one column per attribute), each attribute in its tier, optional
  stability-slope comparison (a long table: lot, group pre/post, time, value) and PCA.
* :func:`run_change` — class a change record by the seed rules (or a site's rule file) and
  give the comparability protocol for the class.

Record kinds: ``comparability.analysis`` and ``change.classification`` (the change record:
:class:`ChangeRequest` is the document — number, description, affected steps, materials,
sites, phase, status, owner, links — and the result its class, reasoning and protocol).
Records link by name: a comparability analysis names its change record (``change``); a
change record lists the records it links (``linked``: the CAPA/deviation that needs it, its
comparability analysis, stability studies).
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
    change: str | None = None
    """Name of the ``change.classification`` record this analysis concludes (a link)."""


class ChangeRequest(Request):
    """A change record and (optionally) a rule file.

    The classifying fields are those of :data:`qbdkit.core.comparability.change.FIELDS`;
    ``id`` (the change-control number), ``title``, ``owner``, ``status``, ``rationale`` and
    ``linked`` (names of related records) are the document's own and are kept in the
    result's ``change``.
    """

    id: str | None = None
    title: str = ""
    owner: str | None = None
    status: Literal["open", "approved", "implemented", "closed", "cancelled"] = "open"
    rationale: str = ""
    linked: list[str] = Field(default_factory=list)
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
    # the file's column order, not the request's dict order: a stored request's keys come
    # back sorted, and the PCA (column order) must re-run to the same numbers
    tiers = {c: tiers[c] for c in pre.columns if c in tiers}
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
    from dataclasses import replace

    from qbdkit.core.comparability.change import FIELDS

    record = {k: v for k, v in req.model_dump(include=set(FIELDS)).items()
              if v not in (None, [], "")}
    result = classify_change(record, rules)
    document = {k: v for k, v in req.model_dump(
        include={"id", "title", "owner", "status", "rationale", "linked"}).items()
        if v not in (None, [], "")}
    return replace(result, change={**result.change, **document}) if document else result


# ---- examples (kind contract) ---------------------------------------------------------------


def _comparability_example(folder: Path) -> ComparabilityRequest:
    """Eight pre-change and three post-change lots of a mAb (synthetic, plausible), the
    stability of two lots of each, and every tier."""
    folder = Path(folder)
    pre = folder / "pre_change_lots.csv"
    post = folder / "post_change_lots.csv"
    stab = folder / "stability_pre_post.csv"
    pre.write_text("lot,SEC monomer (%),HMW (%),Potency (%),Acidic variants (%)\n"
                   "L01,98.62,1.21,101,21.8\nL02,98.41,1.35,97,21.6\nL03,98.77,1.10,104,20.9\n"
                   "L04,98.55,1.28,99,19.6\nL05,98.70,1.18,96,22.4\nL06,98.38,1.40,102,21.1\n"
                   "L07,98.66,1.22,100,20.5\nL08,98.49,1.31,98,21.9\n", encoding="utf-8")
    post.write_text("lot,SEC monomer (%),HMW (%),Potency (%),Acidic variants (%)\n"
                    "P01,98.58,1.25,100,22.7\nP02,98.64,1.19,103,22.1\nP03,98.47,1.33,99,23.0\n",
                    encoding="utf-8")
    lines = ["lot,group,month,SEC monomer (%)"]
    for lot, group, start, slope in (("L01", "pre", 98.62, -0.081), ("L02", "pre", 98.41, -0.076),
                                     ("P01", "post", 98.58, -0.079),
                                     ("P02", "post", 98.64, -0.084)):
        for i, m in enumerate((0, 3, 6, 9, 12)):
            lines.append(f"{lot},{group},{m},{start + slope * m + 0.02 * (-1) ** i:.3f}")
    stab.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ComparabilityRequest(
        pre=pre, post=post, id_column="lot",
        tiers={"SEC monomer (%)": 1, "HMW (%)": 2, "Potency (%)": 2, "Acidic variants (%)": 3},
        multivariate=True, stability=stab, stability_value="SEC monomer (%)",
        stability_time="month", slope_margin=0.03, change="CC-2026-007")


def packaged_rules_bytes() -> bytes:
    """The packaged change-classification rules file (to copy and edit)."""
    from importlib import resources

    return resources.files("qbdkit.core.comparability").joinpath(
        "change_rules.yaml").read_bytes()


def _change_example(folder: Path) -> ChangeRequest:
    """A scale change classed by the packaged rules, written out as the site's rule file
    (rules are data: the record keeps the file it was classed by)."""
    rules = Path(folder) / "change_rules.yaml"
    rules.write_bytes(packaged_rules_bytes())
    return ChangeRequest(
        id="CC-2026-007", title="Production bioreactor 2000 L → 5000 L", owner="upstream lead",
        description="Scale-up of the production bioreactor from 2000 L to 5000 L at the same "
                    "site; same cell bank, media and set points",
        change_type="scale", affected_steps=["production bioreactor", "harvest"],
        sites=["Site A"], phase="commercial", cqa_impact="possible", impact_predictable=True,
        rules=rules, linked=["comparability.analysis/CC-2026-007"])


register(Kind("comparability.analysis", ComparabilityRequest, run_comparability,
              TieredComparability, title=both("Comparability (tiered)", "comparability"),
              stage="comparability", example=_comparability_example))
register(Kind("change.classification", ChangeRequest, run_change, ChangeClassification,
              title=both("Change classification", "comparability"), stage="change",
              example=_change_example))
