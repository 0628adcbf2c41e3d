"""`qbdkit doe design | evaluate | augment` (DoE design generation and evaluation, issue 4).

Thin: read the factors file or run sheet, call :mod:`qbdkit.core.doe.design`, print the result
(``--json``: JSON only on stdout) and optionally write a run sheet (``--out runs.xlsx`` also
writes ``runs.csv`` next to it). Every input problem is a ``QbdInputError`` (exit 2) raised
before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import QbdInputError


def _design_error(exc: Exception, file: Path | None, column: str | None = None) -> QbdInputError:
    return QbdInputError(str(exc), file=str(file) if file else None, column=column)


def _check_out(out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise QbdInputError("unsupported run-sheet type", file=str(out), column="--out",
                            expected=".xlsx or .csv", found=out.suffix or "(none)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise QbdInputError("output folder does not exist", file=str(out), column="--out",
                            expected="an existing folder", found=str(parent))


def _write(design, out: Path | None, responses: list[str]) -> None:
    if out is None:
        return
    from qbdkit.core.doe.design.runsheet import write_run_sheet

    written = write_run_sheet(design, out, responses)
    if out.suffix.lower() == ".xlsx":
        written += write_run_sheet(design, out.with_suffix(".csv"), responses)
    info("wrote " + ", ".join(str(p) for p in written))


def _project_factors(directory: Path, unit_operation: str | None):
    """Factors from a project's process parameters: the studied range (else the PAR) of every
    parameter of the unit operation; categorical parameters with their levels."""
    from qbdkit.core.doe.design import make_space
    from qbdkit.model.folder import check_folder

    check = check_folder(directory)
    if not check.ok or check.project is None:
        raise QbdInputError(problems=check.problems or [QbdInputError("not a project folder", file=str(directory)).first])
    project = check.project
    uos = project.process.unit_operations
    names = [u.name for u in uos]
    if unit_operation is None:
        raise QbdInputError("which unit operation?", file=str(directory), column="--unit-operation",
                            expected=" / ".join(names), found="")
    uo = next((u for u in uos if unit_operation in u.spellings()), None)
    if uo is None:
        raise QbdInputError("unknown unit operation", file=str(directory), column="--unit-operation",
                            expected=" / ".join(names), found=unit_operation)
    specs = []
    for prm in uo.parameters:
        if prm.type == "categorical" and prm.levels:
            specs.append({"name": prm.name, "type": "categorical", "levels": list(prm.levels)})
            continue
        rng = prm.studied or prm.par
        if rng is not None and rng.low is not None and rng.high is not None:
            specs.append({"name": prm.name, "low": rng.low, "high": rng.high, "unit": prm.unit or ""})
    if not specs:
        raise QbdInputError("no parameter of this unit operation has a studied range or PAR", file=str(directory),
                            column="--unit-operation", expected="parameters with studied: [low, high]",
                            found=uo.name)
    return make_space(specs, source=f"{directory} ({uo.name})")


def _alpha(value: str) -> str | float:
    try:
        return float(value)
    except ValueError:
        return value


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``qbdkit doe`` app."""

    @app.command("design")
    def design(
        factors: Path | None = typer.Option(None, "--factors", help="Factors file: YAML (factors:, constraints:, "
                                            "disallowed:) or CSV/XLSX (name, type, low, high, unit, levels)."),
        project: Path | None = typer.Option(None, "--project", help="Or: a project folder; factors = the parameters "
                                            "of --unit-operation with a studied range (else PAR)."),
        unit_operation: str | None = typer.Option(None, "--unit-operation", help="Unit operation (with --project)."),
        type_: str = typer.Option(..., "--type", help="full | fractional | pb | ccd | bbd | dsd | d-optimal | i-optimal"),
        resolution: int | None = typer.Option(None, "--resolution", help="Fractions: minimum resolution (3, 4, 5 …)."),
        runs: int | None = typer.Option(None, "--runs", help="Number of runs (fractions, PB, optimal designs)."),
        model: str | None = typer.Option(None, "--model", help='linear | interaction | quadratic | "FORMULA"'),
        center: int | None = typer.Option(None, "--center", help="Centre points (per block)."),
        blocks: int = typer.Option(1, "--blocks", help="Number of blocks."),
        replicates: int = typer.Option(1, "--replicates", help="Replicates of the whole design."),
        alpha: str = typer.Option("rotatable", "--alpha", help="CCD axial distance: rotatable | orthogonal | face | NUMBER"),
        ccd: str = typer.Option("circumscribed", "--ccd", help="CCD kind: circumscribed | inscribed | face"),
        fake: int = typer.Option(0, "--fake", help="DSD: number of fake factors."),
        generators: str | None = typer.Option(None, "--generators", help='Fractions: your own generators, e.g. "E=ABC,F=BCD".'),
        seed: int = typer.Option(1, "--seed", help="Seed for run order and optimal-design starts."),
        starts: int | None = typer.Option(None, "--starts", help="Optimal designs: random starts (default 10-40 by size)."),
        randomize: bool = typer.Option(True, "--randomize/--no-randomize", help="Randomise the run order."),
        response: list[str] = typer.Option([], "--response", help="Response column to add (repeatable)."),
        select: list[str] = typer.Option([], "--select", help="Use only these factors of FILE (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Write the run sheet (.xlsx, plus .csv; or .csv)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Generate a design for the factors in FILE and evaluate it."""
        from qbdkit.core.doe.design import DesignError, make_design, read_factors

        _check_out(out)
        if (factors is None) == (project is None):
            raise QbdInputError("give the factors", column="--factors",
                                expected="exactly one of --factors FILE or --project DIR",
                                found="both" if factors else "neither")
        space = read_factors(factors) if factors is not None else _project_factors(project, unit_operation)
        if select:
            from qbdkit.core.doe.design import make_space

            unknown = [n for n in select if n not in space.names]
            if unknown:
                raise QbdInputError("unknown factor", file=space.source or None, column="--select",
                                    expected=" / ".join(space.names), found=", ".join(unknown))
            space = make_space([f for f in space.factors if f.name in select],
                               [c.text for c in space.constraints
                                if all(a == 0 or n in select for a, n in zip(c.coef, space.names, strict=True))],
                               source=space.source)
        gens = [g.strip() for g in generators.split(",") if g.strip()] if generators else None
        try:
            result = make_design(space, type_, model=model, runs=runs, resolution=resolution, center=center,
                                 blocks=blocks, replicates=replicates, alpha=_alpha(alpha), ccd=ccd, seed=seed,
                                 randomize=randomize, fake=fake, starts=starts, generators=gens)
        except DesignError as exc:
            raise _design_error(exc, factors or project, "--type " + type_) from None
        _write(result, out, list(response))
        emit(result, as_json)

    @app.command("evaluate")
    def evaluate(
        runs_file: Path = typer.Argument(..., metavar="RUNS", help="Run sheet (.xlsx/.csv), ours or made elsewhere."),
        model: str = typer.Option("linear", "--model", help='linear | interaction | quadratic | "FORMULA"'),
        factors: Path | None = typer.Option(None, "--factors", help="Factors file to code the columns "
                                            "(default: the run sheet's factors sheet, else column min/max)."),
        effect_size: float = typer.Option(1.0, "--effect-size", help="Coefficient size for power (coded units)."),
        sigma: float = typer.Option(1.0, "--sigma", help="Error standard deviation for power."),
        level: float = typer.Option(0.05, "--significance", help="Significance level for power."),
        response: list[str] = typer.Option([], "--response", help="A filled response column (not a factor; repeatable)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Evaluate any design: efficiencies, VIF, aliases, word-length pattern, power, FDS."""
        from qbdkit.core.doe.design import evaluate_design, read_factors
        from qbdkit.core.doe.design.runsheet import read_run_sheet

        if sigma <= 0:
            raise QbdInputError("sigma must be positive", column="--sigma", expected="> 0", found=sigma)
        if not 0 < level < 1:
            raise QbdInputError("significance level out of range", column="--significance",
                                expected="between 0 and 1", found=level)
        space = read_factors(factors) if factors else None
        space, coded, _ = read_run_sheet(runs_file, space, exclude=response)
        try:
            result = evaluate_design(space, coded, model, effect_size=effect_size, sigma=sigma, alpha=level)
        except ValueError as exc:
            raise QbdInputError(str(exc), file=str(runs_file), column="--model", found=model) from None
        emit(result, as_json)

    @app.command("augment")
    def augment_cmd(
        runs_file: Path = typer.Argument(..., metavar="RUNS", help="Existing run sheet."),
        how: str = typer.Option(..., "--how", help="foldover | axial | center | optimal"),
        factors: Path | None = typer.Option(None, "--factors", help="Factors file (default: the factors sheet)."),
        runs: int | None = typer.Option(None, "--runs", help="Optimal augmentation: runs to add."),
        model: str = typer.Option("quadratic", "--model", help="Model the augmented design must support."),
        criterion: str = typer.Option("D", "--criterion", help="Optimal augmentation: D or I."),
        alpha: float = typer.Option(1.0, "--alpha", help="Axial distance for --how axial."),
        center: int = typer.Option(2, "--center", help="Centre points added (axial/center)."),
        factor: str | None = typer.Option(None, "--factor", help="Fold over this factor only."),
        seed: int = typer.Option(1, "--seed"),
        response: list[str] = typer.Option([], "--response", help="Response column to add (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Write the augmented run sheet."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Add runs to an existing design (the existing runs become block 1)."""
        from qbdkit.core.doe.design import DesignError, read_factors
        from qbdkit.core.doe.design.augment import augment
        from qbdkit.core.doe.design.make import design_from_coded
        from qbdkit.core.doe.design.runsheet import read_run_sheet

        _check_out(out)
        space = read_factors(factors) if factors else None
        space, coded, _ = read_run_sheet(runs_file, space)
        if factor is not None and factor not in space.names:
            raise QbdInputError("unknown factor", column="--factor", expected=" / ".join(space.names), found=factor)
        try:
            new, blocks = augment(space, coded, how, runs=runs, model=model, criterion=criterion, seed=seed,
                                  alpha=alpha, center=center, factor=factor)
            result = design_from_coded(space, new, f"augmented ({how})", model=model, blocks=blocks, seed=seed)
        except DesignError as exc:
            raise _design_error(exc, runs_file, "--how " + how) from None
        _write(result, out, list(response))
        emit(result, as_json)
