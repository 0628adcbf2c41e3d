"""`qbdkit doe optimize` and `qbdkit doe design-space` (multi-response optimization,
probabilistic design space, PAR and NOR). Thin: parse options into a request of
:mod:`qbdkit.services.doe`, run it (stored as ``doe.optimize`` / ``doe.design_space`` with
``--project P --as NAME``), render. A stored design space proposes set point, NOR and PAR per
parameter; ``qbdkit project accept P --from doe.design_space/NAME`` writes them into the
project."""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.cli.doe_common import (
    FACTORS_FILE_OPTION,
    names,
    notes,
    numbers,
    pairs,
    progress_bar,
    run,
    with_sidecar,
    write_page,
)

MODEL_HELP = "linear | interaction | quadratic | a formula written with the column names."


def optimize_command(
    file: Path = typer.Argument(..., help="Filled run sheet (CSV/XLSX)."),
    goal: list[str] = typer.Option(..., "--goal", help='"Y:max", "Y:max=L,T", "Y:min=T,U", '
                                   '"Y:target=T,L,U"; options ";weight=S[,T]" ";importance=W".'),
    model: str = typer.Option("quadratic", "--model", help=MODEL_HELP),
    constraint: list[str] = typer.Option([], "--constraint", help='Linear constraint in actual '
                                         'units, e.g. "A + 2*B <= 10".'),
    sphere: float | None = typer.Option(None, "--sphere", help="Also keep the coded distance "
                                                               "from the centre ≤ this."),
    starts: int = typer.Option(20, "--starts", help="Number of optimizer starts."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random starts."),
    confidence: float = typer.Option(0.95, "--confidence", help="Level of the CI and PI."),
    factors_file: Path | None = FACTORS_FILE_OPTION,
    project: str | None = PROJECT_OPTION,
    as_: str | None = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """Derringer–Suich desirability optimum over the studied region, with CI and PI."""
    from qbdkit.services.doe import OptimizeRequest

    req = OptimizeRequest(file=file, factors_file=with_sidecar(file, factors_file),
                          goals=list(goal), model=model, constraints=list(constraint),
                          sphere=sphere, starts=starts, seed=seed, confidence=confidence)
    res = run("doe.optimize", req, project=project, name=as_, reason=reason)
    for n in res.notes:
        info(f"note: {n}")
    if out is not None:
        from qbdkit.report.doe_space import optimization_page

        write_page(out, optimization_page(res, title=f"Optimization — {Path(file).name}"))
    emit(res, as_json)


def design_space_command(
    file: Path = typer.Argument(..., help="Filled run sheet (CSV/XLSX)."),
    response: list[str] = typer.Option([], "--response", help="Responses to model jointly "
                                       "(default: those in --spec)."),
    model: str = typer.Option("quadratic", "--model", help=MODEL_HELP),
    spec: list[str] = typer.Option([], "--spec", help='"Y>=90", "Z<=5", "5<=Z<=7" (default: the '
                                   "acceptance criteria the run sheet's responses carry)."),
    factors: str | None = typer.Option(None, "--factors", help="Grid factors, comma-separated, "
                                                               "1–6 (default: all)."),
    grid: int = typer.Option(41, "--grid", help="Grid points per factor."),
    draws: int = typer.Option(5000, "--draws", help="Posterior predictive draws."),
    min_probability: float = typer.Option(0.9, "--min-probability",
                                          help="R: the design space is where P(all specs) ≥ R."),
    setpoint: str | None = typer.Option(
        None, "--setpoint", help="Set point, e.g. A=36.5,B=7.0 (default: the project's set "
        "points with --project, else the centre); a categorical factor is held at the level "
        "given here (default: its first level)."),
    noise: str | None = typer.Option(None, "--noise", help="Set-point noise σ per factor "
                                                           "(actual units), A=0.1,…"),
    control_sd: str | None = typer.Option(None, "--control-sd", help="Control capability σ per "
                                          "factor for the NOR, A=0.1,…"),
    nor_k: float = typer.Option(3.0, "--nor-k", help="NOR = set point ± k·σ."),
    seed: int = typer.Option(0, "--seed", help="Random seed (results are reproducible with it)."),
    factors_file: Path | None = FACTORS_FILE_OPTION,
    project: str | None = PROJECT_OPTION,
    as_: str | None = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """Probabilistic design space (Peterson), with Monte Carlo error, PAR, box and NOR; the
    proposal per parameter (set point, NOR, PAR) for `qbdkit project accept`."""
    from qbdkit.services.doe import DesignSpaceRequest, project_setpoints

    req = DesignSpaceRequest(
        file=file, factors_file=with_sidecar(file, factors_file), specs=list(spec),
        responses=list(response), model=model, factors=names(factors), grid=grid, draws=draws,
        min_probability=min_probability, setpoint=pairs(setpoint, "--setpoint"),
        noise=numbers(noise, "--noise"), control_sd=numbers(control_sd, "--control-sd"),
        nor_k=nor_k, seed=seed)
    if project is not None:
        req, said = project_setpoints(req, project)
        for n in said:
            info(n)
    with progress_bar("design space") as progress:
        res = run("doe.design_space", req, project=project, name=as_, reason=reason,
                  progress=progress)
    notes(res, as_json)
    if out is not None:
        from qbdkit.report.doe_space import design_space_page

        write_page(out, design_space_page(res, title=f"Design space — {Path(file).name}"))
    emit(res, as_json)


def register(app: typer.Typer) -> None:
    """Add ``optimize`` and ``design-space`` to the ``qbdkit doe`` app."""
    app.command("optimize")(optimize_command)
    app.command("design-space")(design_space_command)
