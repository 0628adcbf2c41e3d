"""`qbdkit comparability analyze …`: pre- vs post-change lots in tiers (ICH Q5E).

``qbdkit comparability analyze --pre PRE.csv --post POST.csv [--tier NAME=1|2|3 …]
[--margin-sd 1.5] [--margin NAME=VALUE] [--k 3] [--min-share 0.9] [--min-reference 1=5]
[--multivariate] [--stability STAB.csv --stability-value COL …] [--change NAME]
[--project P --as NAME [--reason TEXT]] [--json] [--out FILE.html]``.
Attributes without ``--tier`` are left out when some are given; with none, every attribute
shared by both files is compared in tier 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli._store import run_or_store
from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit
from qbdkit.cli.stability import LANG_OPTION, build, write_html
from qbdkit.errors import QbdInputError

app = typer.Typer(no_args_is_help=True)


def pairs(values: list[str] | None, option: str, kind: type) -> dict:
    """``["a=1", "b=2"]`` → ``{"a": 1, "b": 2}``; a malformed item is an input error."""
    out = {}
    for text in values or []:
        name, sep, v = text.rpartition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = kind(v)
        except ValueError:
            raise QbdInputError("bad option value", column=option,
                                expected=f"NAME={kind.__name__}", found=text) from None
    return out


@app.command("analyze")
def analyze(
    pre: Path = typer.Option(..., "--pre", help="Pre-change lots: CSV/XLSX, one row per lot."),
    post: Path = typer.Option(..., "--post", help="Post-change lots: CSV/XLSX, one row per lot."),
    tier: list[str] = typer.Option(None, "--tier", help="NAME=1|2|3 (repeatable)."),
    id_column: str = typer.Option(None, "--id", help="Lot id column (default lot/batch/批号 …)."),
    alpha: float = typer.Option(0.05, "--alpha", help="TOST level (90 % CI at 0.05)."),
    margin_sd: float = typer.Option(1.5, "--margin-sd", help="Tier 1 margin = m × σ_R."),
    margin: list[str] = typer.Option(None, "--margin", help="NAME=VALUE absolute tier-1 margin."),
    k: float = typer.Option(3.0, "--k", help="Tier 2 quality range = mean ± k σ_R."),
    min_share: float = typer.Option(0.9, "--min-share", help="Tier 2: share of post lots inside."),
    min_reference: list[str] = typer.Option(None, "--min-reference", help="TIER=N pre-change lots needed."),
    multivariate: bool = typer.Option(False, "--multivariate", help="PCA of pre lots, post lots projected."),
    stability: Path = typer.Option(None, "--stability", help="Stability of pre and post lots (long table)."),
    stability_lot: str = typer.Option("lot", "--stability-lot", help="Lot column."),
    stability_group: str = typer.Option("group", "--stability-group", help="Group column (pre/post)."),
    stability_time: str = typer.Option("time", "--stability-time", help="Time column."),
    stability_value: str = typer.Option("value", "--stability-value", help="Value column."),
    slope_margin: float = typer.Option(None, "--slope-margin", help="Equivalence margin for the slope difference."),
    change: str = typer.Option(None, "--change", help="Name of the change record concluded (link)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Tiered comparability of pre- and post-change lots, slopes and PCA; conclusion."""
    from qbdkit.services.comparability import ComparabilityRequest

    req = build(ComparabilityRequest, pre=pre, post=post, tiers=pairs(tier, "--tier", int),
                id_column=id_column, alpha=alpha, margin_sd=margin_sd,
                margins=pairs(margin, "--margin", float), k=k, min_share=min_share,
                min_reference=pairs(min_reference, "--min-reference", int),
                multivariate=multivariate, stability=stability, stability_lot=stability_lot,
                stability_group=stability_group, stability_time=stability_time,
                stability_value=stability_value, slope_margin=slope_margin, change=change)
    result = run_or_store("comparability.analysis", req, project, name, reason)
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.comparability import render

        write_html(out, t("Comparability (tiered)", lang, domain="comparability"),
                   render(result, lang), f"{pre} → {post}", lang)
    emit(result, as_json)
