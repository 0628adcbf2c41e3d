"""`qbdkit change classify …`: class a change minor / moderate / major by the seed rules and
give its comparability protocol (ICH Q5E; seeds 003 §1.3, 004 §10).

With ``--project P --as NAME`` the change record (number, title, owner, status, links and
the classifying fields) is stored with its class, reasoning and protocol; a new version of the
same name records its progress (``--status implemented --link comparability.analysis/…``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli._store import run_or_store
from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit
from qbdkit.cli.stability import LANG_OPTION, build, write_html

app = typer.Typer(no_args_is_help=True)


@app.command("classify")
def classify(
    description: str = typer.Option("", "--description", help="What changes and why."),
    change_type: str = typer.Option(None, "--type", help="site | scale | equipment | raw_material | excipient_source | process_optimisation | control_strategy | analytical_method | other."),
    step: list[str] = typer.Option(None, "--step", help="Affected process step (repeatable)."),
    material: list[str] = typer.Option(None, "--material", help="Affected material (repeatable)."),
    site: list[str] = typer.Option(None, "--site", help="Site involved (repeatable)."),
    phase: str = typer.Option(None, "--phase", help="preclinical | early-clinical | late-clinical | pivotal | commercial."),
    within_design_space: bool = typer.Option(None, "--within-design-space/--outside-design-space", help="Is the change a movement inside the approved design space?"),
    cqa_impact: str = typer.Option(None, "--cqa-impact", help="none | low | possible | likely."),
    impact_predictable: bool = typer.Option(None, "--impact-predictable/--impact-unpredictable", help="Can knowledge predict the effect of quality differences?"),
    rules: Path = typer.Option(None, "--rules", help="Rule file (YAML) replacing the defaults."),
    change_id: str = typer.Option(None, "--id", help="Change-control number, e.g. CC-2026-007."),
    title: str = typer.Option("", "--title", help="Short title."),
    owner: str = typer.Option(None, "--owner", help="Who owns the change."),
    status: str = typer.Option("open", "--status", help="open | approved | implemented | closed | cancelled."),
    rationale: str = typer.Option("", "--rationale", help="Why the change is made."),
    link: list[str] = typer.Option(None, "--link", help="Linked record, e.g. operations.deviation/DEV-1 (repeatable)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Class a change and show the reasoning and the comparability protocol."""
    from qbdkit.services.comparability import ChangeRequest

    req = build(ChangeRequest, description=description, change_type=change_type,
                affected_steps=step or [], materials=material or [], sites=site or [],
                phase=phase, within_design_space=within_design_space, cqa_impact=cqa_impact,
                impact_predictable=impact_predictable, rules=rules, id=change_id, title=title,
                owner=owner, status=status, rationale=rationale, linked=link or [])
    result = run_or_store("change.classification", req, project, name, reason)
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.comparability import render_change

        write_html(out, t("Change classification", lang, domain="comparability"),
                   render_change(result, lang), description, lang)
    emit(result, as_json)
