"""`qbdkit change classify …`: class a change minor / moderate / major by the seed rules and
give its comparability protocol (ICH Q5E; seeds 003 §1.3, 004 §10)."""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, emit
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
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    lang: str = LANG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Class a change and show the reasoning and the comparability protocol."""
    from qbdkit.services.comparability import ChangeRequest, run_change

    req = build(ChangeRequest, description=description, change_type=change_type,
                affected_steps=step or [], materials=material or [], sites=site or [],
                phase=phase, within_design_space=within_design_space, cqa_impact=cqa_impact,
                impact_predictable=impact_predictable, rules=rules)
    result = run_change(req)
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.comparability import render_change

        write_html(out, t("Change classification", lang, domain="comparability"),
                   render_change(result, lang), description, lang)
    emit(result, as_json)
