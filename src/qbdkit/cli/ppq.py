"""`qbdkit ppq …` commands: process performance qualification (ppq).

``qbdkit ppq clearance FILE [--titre-scale log10|linear] [--replicates min|mean]
[--particles-per-ml C --volume-per-dose-ml V] [--retrovirus NAME] [--json] [--out F.html]``:
log reduction value per step, cumulative LRV of orthogonal steps (steps ≤ 1 log and
repeated mechanisms not counted), safety margin in particles per dose (ICH Q5A).
FILE columns: ``step, mechanism, virus, load_titre, load_volume, output_titre,
output_volume[, below_lod]``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    PROJECT_OPTION,
    REASON_OPTION,
    context,
    emit,
    info,
)
from qbdkit.cli.spec import write_html

app = typer.Typer(no_args_is_help=True)


@app.command("clearance")
def clearance(
    file: Path = typer.Argument(..., help="Spiking-study results (CSV/XLSX)."),
    titre_scale: str = typer.Option("log10", "--titre-scale", help="Titres given as log10 or linear."),
    replicates: str = typer.Option("min", "--replicates", help="Combine replicate runs: min | mean."),
    particles_per_ml: float = typer.Option(None, "--particles-per-ml", help="Retrovirus-like particles per mL of unprocessed bulk."),
    volume_per_dose_ml: float = typer.Option(None, "--volume-per-dose-ml", help="Harvest volume (mL) per dose."),
    retrovirus: str = typer.Option(None, "--retrovirus", help="Model retrovirus for the safety margin (default: XMuLV/MuLV found in FILE)."),
    target_log10: float = typer.Option(-6.0, "--target-log10", help="Target log10 particles per dose (−6: 1 per million doses)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Viral clearance: LRV per step, cumulative LRV, safety margin (ICH Q5A)."""
    from qbdkit.cli.control import run_kind
    from qbdkit.services.ppq import ClearanceRequest

    result = run_kind("ppq.clearance",
                      ClearanceRequest(file=file, titre_scale=titre_scale, replicates=replicates,
                                       particles_per_ml=particles_per_ml,
                                       volume_per_dose_ml=volume_per_dose_ml,
                                       retrovirus=retrovirus, target_log10=target_log10),
                      project, name, reason or "viral clearance")
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.ppq import render

        write_html(out, t("Viral clearance", lang, "ppq"), render(result, lang), lang)
    emit(result, as_json)


DRY_RUN_OPTION = typer.Option(False, "--dry-run", help="Compute and show; store nothing.")


@app.command("protocol")
def protocol(
    project: str = typer.Argument(..., help="Project in the store."),
    batches: int = typer.Option(None, "--batches", help="Number of PPQ batches (≥ 3)."),
    strategy: str = typer.Option(None, "--strategy", help="Control strategy record name "
                                 "(default: the approved one saved last, else the newest)."),
    target_coverage: float = typer.Option(None, "--target-coverage", help="Batches for this "
                                          "expected coverage of the range (PDA TR 60)."),
    expected_ppk: float = typer.Option(None, "--expected-ppk",
                                       help="Batches for a Ppk lower bound above --ppk-target."),
    ppk_target: float = typer.Option(1.0, "--ppk-target", help="Ppk the lower bound must reach."),
    studies: Path = typer.Option(None, "--studies", help="Study owners/status (CSV/XLSX; "
                                 "default the project's ppq/studies.csv)."),
    name: str = typer.Option("protocol", "--as", help="Record name (ppq.protocol/NAME)."),
    reason: str = REASON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    as_json: bool = JSON_OPTION,
) -> None:
    """PPQ protocol from the project's control strategy: batches, acceptance, sampling, studies."""
    from qbdkit.cli.control import write_out
    from qbdkit.i18n import t
    from qbdkit.report.ppq import render
    from qbdkit.services.ppq import ppq_protocol_for_project

    result, stored = ppq_protocol_for_project(
        project, context(lang=lang), name=name, reason=reason or "PPQ protocol",
        store=not dry_run, strategy=strategy, batches=batches, target_coverage=target_coverage,
        expected_ppk=expected_ppk, ppk_target=ppk_target, studies=studies)
    if stored is not None:
        info(stored.summary())
    write_out(out, result, title=t("PPQ protocol", lang, "ppq"), subtitle=project, lang=lang,
              html=render)
    emit(result, as_json)


@app.command("evaluate")
def evaluate(
    project: str = typer.Argument(..., help="Project in the store."),
    results: Path = typer.Argument(..., help="PPQ results: batch, item, value (CSV/XLSX)."),
    protocol_name: str = typer.Option(None, "--protocol", help="PPQ protocol record name "
                                      "(default: the approved one saved last, else the newest)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the Ppk interval."),
    min_values_ppk: int = typer.Option(10, "--min-values-ppk", help="Values needed for Ppk."),
    name: str = typer.Option("evaluation", "--as", help="Record name (ppq.evaluation/NAME)."),
    reason: str = REASON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    as_json: bool = JSON_OPTION,
) -> None:
    """PPQ evaluation against the protocol: checks, variance components, Ppk, initial CPV limits."""
    from qbdkit.cli.control import write_out
    from qbdkit.i18n import t
    from qbdkit.report.ppq import render
    from qbdkit.services.ppq import ppq_evaluate_for_project

    result, stored = ppq_evaluate_for_project(
        project, results, context(lang=lang), name=name, reason=reason or "PPQ evaluation",
        store=not dry_run, protocol=protocol_name, confidence=confidence,
        min_values_ppk=min_values_ppk)
    if stored is not None:
        info(stored.summary())
    write_out(out, result, title=t("PPQ evaluation", lang, "ppq"), subtitle=project, lang=lang,
              html=render)
    emit(result, as_json)
