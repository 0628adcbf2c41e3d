"""`qbdkit doe design | evaluate | augment` (DoE design generation and evaluation, issue 4).

Thin: parse options into a request of :mod:`qbdkit.services.doe` and run it (stored as a
``doe.design`` record with ``--project P --as NAME``); print the result (``--json``: JSON only
on stdout) and optionally write a run sheet (``--out runs.xlsx`` also writes ``runs.csv``; a CSV
gets its factor-definitions sidecar ``runs.factors.yaml``). Factors come from a file
(``--factors FILE``), from the project in the store (``--project P``: the potential CPPs of its
latest C&E or FMEA record, or ``--factors NAMES``) or from a project folder
(``--from-folder DIR --unit-operation U``). Every input problem is a ``QbdInputError`` (exit 2)
raised before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.cli.doe_common import FACTORS_FILE_OPTION, run
from qbdkit.errors import QbdInputError

FILE_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx", ".xlsm", ".xls", ".txt")


def _is_file(text: str) -> bool:
    p = Path(text)
    return p.suffix.lower() in FILE_SUFFIXES or p.exists()


def _write(result, out: Path | None, responses: list[str]) -> None:
    if out is None:
        return
    from qbdkit.services.doe import write_run_sheets

    written = write_run_sheets(result, out, responses)
    info("wrote " + ", ".join(str(p) for p in written))


def _factor_source(factors: str | None, from_folder: Path | None, unit_operation: str | None,
                   project: str | None, source: str | None) -> tuple[dict, list[str]]:
    """The request fields that say where the factors come from, and notes for the user."""
    from qbdkit.services.doe_project import folder_factors, project_factors

    file = factors if factors is not None and _is_file(factors) else None
    given = [x for x in (file, from_folder) if x is not None]
    if len(given) > 1:
        raise QbdInputError("give the factors once", column="--factors",
                            expected="one of --factors FILE, --project P or --from-folder DIR",
                            found="--factors FILE and --from-folder")
    if file is not None:
        return {"factors_file": Path(file)}, []
    if from_folder is not None:
        return folder_factors(from_folder, unit_operation), []
    if project is not None:
        names = [n.strip() for n in factors.split(",")] if factors else None
        return project_factors(project, names=names, source=source,
                               unit_operation=unit_operation)
    if factors is not None:
        raise QbdInputError("factor names need a project", column="--factors",
                            expected="--factors FILE (.yaml/.csv/.xlsx), or NAMES with --project P",
                            found=factors)
    raise QbdInputError("give the factors", column="--factors",
                        expected="exactly one of --factors FILE, --project P (the project's "
                                 "potential CPPs) or --from-folder DIR", found="neither")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``qbdkit doe`` app."""

    @app.command("design")
    def design(
        factors: str | None = typer.Option(
            None, "--factors", help="Factors file: YAML (factors:, constraints:, disallowed:) or "
            "CSV/XLSX (name, type, low, high, unit, levels). With --project: comma-separated "
            "parameter names instead of the risk assessment's potential CPPs."),
        from_folder: Path | None = typer.Option(
            None, "--from-folder", help="Or: a project folder; factors = the parameters of "
            "--unit-operation with a studied range (else PAR)."),
        unit_operation: str | None = typer.Option(
            None, "--unit-operation", help="Unit operation (with --from-folder, or to choose "
                                           "among a project's unit operations)."),
        source: str | None = typer.Option(
            None, "--source", help="With --project: the C&E or FMEA record to take the potential "
            "CPPs from (risk.ce/NAME[@VERSION]); default the latest."),
        type_: str = typer.Option(..., "--type", help="full | fractional | pb | ccd | bbd | dsd | "
                                                      "d-optimal | i-optimal | mixture-lattice | "
                                                      "mixture-centroid | extreme-vertices | "
                                                      "mixture-optimal | split-plot"),
        degree: int | None = typer.Option(None, "--degree",
                                          help="Mixture lattice: degree m of the {q, m} lattice "
                                               "(default 2)."),
        total: float = typer.Option(1.0, "--total", help="Mixtures: what the components add to "
                                                         "(1, or 100 for percent)."),
        faces: bool = typer.Option(False, "--faces", help="Extreme vertices: add the centroids "
                                                          "of the 2-D faces."),
        hard: str | None = typer.Option(None, "--hard-to-change",
                                        help="Split-plot: comma-separated hard-to-change "
                                             "(whole-plot) factors."),
        whole_plots: int | None = typer.Option(None, "--whole-plots",
                                               help="Split-plot: number of whole plots "
                                                    "(default: every whole-plot treatment once "
                                                    "per replicate)."),
        resolution: int | None = typer.Option(None, "--resolution",
                                              help="Fractions: minimum resolution (3, 4, 5 …)."),
        runs: int | None = typer.Option(None, "--runs",
                                        help="Number of runs (fractions, PB, optimal designs)."),
        model: str | None = typer.Option(None, "--model",
                                         help='linear | interaction | quadratic | "FORMULA"'),
        center: int | None = typer.Option(None, "--center", help="Centre points (per block)."),
        blocks: int = typer.Option(1, "--blocks", help="Number of blocks."),
        replicates: int = typer.Option(1, "--replicates", help="Replicates of the whole design."),
        alpha: str = typer.Option("rotatable", "--alpha", help="CCD axial distance: rotatable | "
                                                               "orthogonal | face | NUMBER"),
        ccd: str = typer.Option("circumscribed", "--ccd",
                                help="CCD kind: circumscribed | inscribed | face"),
        fake: int = typer.Option(0, "--fake", help="DSD: number of fake factors."),
        generators: str | None = typer.Option(None, "--generators",
                                              help='Fractions: your own generators, e.g. '
                                                   '"E=ABC,F=BCD".'),
        seed: int = typer.Option(1, "--seed", help="Seed for run order and optimal-design starts."),
        starts: int | None = typer.Option(None, "--starts", help="Optimal designs: random starts "
                                                                 "(default 10-40 by size)."),
        randomize: bool = typer.Option(True, "--randomize/--no-randomize",
                                       help="Randomise the run order."),
        response: list[str] = typer.Option([], "--response",
                                           help="Response column to add (repeatable)."),
        select: list[str] = typer.Option([], "--select",
                                         help="Use only these factors (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Write the run sheet (.xlsx, plus "
                                                            ".csv; or .csv with its sidecar)."),
        project: str | None = PROJECT_OPTION,
        as_: str | None = AS_OPTION,
        reason: str = REASON_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Generate a design and evaluate it; factors from a file or from the project."""
        from qbdkit.core.doe.design.make import source_text
        from qbdkit.core.doe.design.mixture import MIXTURE_TYPES
        from qbdkit.services.doe import DesignRequest, check_out

        check_out(out)
        fields, notes = _factor_source(factors, from_folder, unit_operation, project, source)
        for n in notes:
            info(n)
        kind = type_.strip().lower().replace("_", "-")
        if kind in MIXTURE_TYPES:
            from qbdkit.services.doe_designs import MixtureDesignRequest

            mreq = MixtureDesignRequest(
                **{k: v for k, v in fields.items() if k in ("factors_file", "factor_defs")},
                select=list(select), type=kind, model=model, degree=degree, runs=runs,
                total=total, center=center or 0, replicates=replicates, faces=faces, seed=seed,
                starts=starts, randomize=randomize, responses=list(response))
            result = run("doe.mixture", mreq, project=project, name=as_, reason=reason)
            _write(result, out, list(response))
            emit(result, as_json)
            return
        if kind == "split-plot":
            from qbdkit.services.doe_designs import SplitPlotRequest

            sreq = SplitPlotRequest(
                **{k: v for k, v in fields.items() if k in ("factors_file", "factor_defs")},
                select=list(select), hard=[h.strip() for h in (hard or "").split(",") if h.strip()],
                whole_plots=whole_plots, replicates=replicates, seed=seed, randomize=randomize,
                responses=list(response))
            result = run("doe.split_plot", sreq, project=project, name=as_, reason=reason)
            _write(result, out, list(response))
            emit(result, as_json)
            return
        req = DesignRequest(
            **fields, select=list(select), type=type_, model=model, runs=runs,
            resolution=resolution, center=center, blocks=blocks, replicates=replicates,
            alpha=alpha, ccd=ccd, fake=fake, seed=seed, starts=starts, randomize=randomize,
            generators=[g.strip() for g in generators.split(",") if g.strip()] if generators
            else None, responses=list(response))
        if not reason and fields.get("source") and fields["source"].get("project"):
            reason = "factors from " + source_text(fields["source"])
        result = run("doe.design", req, project=project, name=as_, reason=reason)
        _write(result, out, list(response))
        emit(result, as_json)

    @app.command("evaluate")
    def evaluate(
        runs_file: Path = typer.Argument(..., metavar="RUNS",
                                         help="Run sheet (.xlsx/.csv), ours or made elsewhere."),
        model: str = typer.Option("linear", "--model",
                                  help='linear | interaction | quadratic | "FORMULA"'),
        factors: Path | None = typer.Option(
            None, "--factors", help="Factors file to code the columns (default: the run sheet's "
            "factors sheet or sidecar, else column min/max)."),
        effect_size: float = typer.Option(1.0, "--effect-size",
                                          help="Coefficient size for power (coded units)."),
        sigma: float = typer.Option(1.0, "--sigma", help="Error standard deviation for power."),
        level: float = typer.Option(0.05, "--significance", help="Significance level for power."),
        response: list[str] = typer.Option([], "--response",
                                           help="A filled response column (not a factor; "
                                                "repeatable)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Evaluate any design: efficiencies, VIF, aliases, word-length pattern, power, FDS."""
        from qbdkit.cli.doe_common import with_sidecar
        from qbdkit.services.doe import EvaluateRequest
        from qbdkit.services.doe import evaluate as evaluate_design

        req = EvaluateRequest(file=runs_file, factors_file=with_sidecar(runs_file, factors),
                              model=model, effect_size=effect_size, sigma=sigma,
                              significance=level, responses=list(response))
        emit(evaluate_design(req), as_json)

    @app.command("augment")
    def augment_cmd(
        runs_file: Path = typer.Argument(..., metavar="RUNS", help="Existing run sheet."),
        how: str = typer.Option(..., "--how", help="foldover | axial | center | optimal"),
        factors: Path | None = FACTORS_FILE_OPTION,
        runs: int | None = typer.Option(None, "--runs", help="Optimal augmentation: runs to add."),
        model: str = typer.Option("quadratic", "--model",
                                  help="Model the augmented design must support."),
        criterion: str = typer.Option("D", "--criterion", help="Optimal augmentation: D or I."),
        alpha: float = typer.Option(1.0, "--alpha", help="Axial distance for --how axial."),
        center: int = typer.Option(2, "--center", help="Centre points added (axial/center)."),
        factor: str | None = typer.Option(None, "--factor", help="Fold over this factor only."),
        seed: int = typer.Option(1, "--seed"),
        response: list[str] = typer.Option([], "--response",
                                           help="Response column to add (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Write the augmented run sheet."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Add runs to an existing design (the existing runs become block 1)."""
        from qbdkit.cli.doe_common import with_sidecar
        from qbdkit.services.doe import AugmentRequest, augment, check_out

        check_out(out)
        req = AugmentRequest(file=runs_file, factors_file=with_sidecar(runs_file, factors),
                             how=how, runs=runs, model=model, criterion=criterion, alpha=alpha,
                             center=center, factor=factor, seed=seed)
        result = augment(req)
        _write(result, out, list(response))
        emit(result, as_json)
