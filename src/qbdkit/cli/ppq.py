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

from qbdkit.cli.common import JSON_OPTION, emit
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
    as_json: bool = JSON_OPTION,
) -> None:
    """Viral clearance: LRV per step, cumulative LRV, safety margin (ICH Q5A)."""
    from qbdkit.services.ppq import ClearanceRequest
    from qbdkit.services.ppq import clearance as run

    result = run(ClearanceRequest(file=file, titre_scale=titre_scale, replicates=replicates,
                                  particles_per_ml=particles_per_ml,
                                  volume_per_dose_ml=volume_per_dose_ml, retrovirus=retrovirus,
                                  target_log10=target_log10))
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.ppq import render

        write_html(out, t("Viral clearance", lang, "ppq"), render(result, lang), lang)
    emit(result, as_json)
