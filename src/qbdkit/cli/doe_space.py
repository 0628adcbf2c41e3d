"""`qbdkit doe optimize` and `qbdkit doe design-space` (multi-response optimization,
probabilistic design space, PAR and NOR). Thin: parse options, call the core, render."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import QbdInputError

MODEL_HELP = "linear | interaction | quadratic | a formula written with the column names."


def _pairs(text: str | None, option: str, factors: list[str]) -> dict[str, float]:
    """``"A=1.5,B=2"`` → {A: 1.5, B: 2}; names matched like columns (case/space-insensitive)."""
    from qbdkit.core.doe.analysis.analyze import find_column

    out: dict[str, float] = {}
    if not text:
        return out
    for part in [p for p in text.split(",") if p.strip()]:
        if "=" not in part:
            raise QbdInputError(f"cannot read {option} {text!r}", column=option,
                                expected="NAME=VALUE[,NAME=VALUE…]", found=part)
        name, value = part.rsplit("=", 1)
        try:
            f = find_column(factors, name.strip(), "factor", None)
        except QbdInputError:
            raise QbdInputError(f"unknown factor in {option}", column=option,
                                expected="one of " + ", ".join(factors), found=name.strip()) from None
        try:
            out[f] = float(value)
        except ValueError:
            raise QbdInputError(f"cannot read {option} value", column=option, expected="a number",
                                found=value) from None
        if not math.isfinite(out[f]):
            raise QbdInputError(f"{option} value must be finite", column=option, found=value)
    return out


def _raw_pairs(text: str | None, option: str, columns: list[str]) -> dict[str, str]:
    """``"A=1.5,Resin=B"`` → {column: text}, names matched to the file's columns."""
    from qbdkit.core.doe.analysis.analyze import find_column

    out: dict[str, str] = {}
    for part in [p for p in (text or "").split(",") if p.strip()]:
        if "=" not in part:
            raise QbdInputError(f"cannot read {option} {text!r}", column=option,
                                expected="NAME=VALUE[,NAME=VALUE…]", found=part)
        name, value = part.rsplit("=", 1)
        try:
            out[find_column(columns, name.strip(), "factor", None)] = value.strip()
        except QbdInputError:
            raise QbdInputError(f"unknown factor in {option}", column=option,
                                expected="one of the columns: " + ", ".join(columns),
                                found=name.strip()) from None
    return out


def _factor_list(text: str | None, factors: list[str]) -> list[str] | None:
    from qbdkit.core.doe.analysis.analyze import find_column

    if not text:
        return None
    out = []
    for name in [p.strip() for p in text.split(",") if p.strip()]:
        try:
            out.append(find_column(factors, name, "factor", None))
        except QbdInputError:
            raise QbdInputError("unknown factor", column="--factors",
                                expected="one of " + ", ".join(factors), found=name) from None
    return out


def optimize_command(
    file: Path = typer.Argument(..., help="Filled run sheet (CSV/XLSX)."),
    goal: list[str] = typer.Option(..., "--goal", help='"Y:max", "Y:max=L,T", "Y:min=T,U", '
                                   '"Y:target=T,L,U"; options ";weight=S[,T]" ";importance=W".'),
    model: str = typer.Option("quadratic", "--model", help=MODEL_HELP),
    constraint: list[str] = typer.Option([], "--constraint",
                                         help='Linear constraint in actual units, e.g. "A + 2*B <= 10".'),
    sphere: float | None = typer.Option(None, "--sphere",
                                        help="Also keep the coded distance from the centre ≤ this."),
    starts: int = typer.Option(20, "--starts", help="Number of optimizer starts."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random starts."),
    confidence: float = typer.Option(0.95, "--confidence", help="Level of the CI and PI."),
    as_json: bool = JSON_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """Derringer–Suich desirability optimum over the studied region, with CI and PI."""
    from qbdkit.core.doe.analysis.optimize import (
        optimize_desirability,
        parse_constraint,
        parse_goal,
    )
    from qbdkit.core.doe.analysis.space_fit import load_multiresponse

    if starts < 1:
        raise QbdInputError("too few starts", column="--starts", expected="≥ 1", found=starts)
    if not 0 < confidence < 1:
        raise QbdInputError("confidence out of range", column="--confidence",
                            expected="0 < confidence < 1", found=confidence)
    names = [_goal_name(t) for t in goal]
    if len(set(names)) != len(names):
        raise QbdInputError("a response has two goals", column="--goal", found=", ".join(names))
    mr = load_multiresponse(file, names, model)
    combos = [dict(mr.fixed_levels)]
    if mr.fixed_levels:
        # categorical factors: optimize at every combination of their levels, keep the best
        from itertools import product

        from qbdkit.core.doe.analysis.space_fit import categorical_levels

        known = categorical_levels(file, list(mr.fixed_levels))
        combos = [dict(zip(known, c, strict=True)) for c in product(*known.values())]
        if len(combos) > 64:
            raise QbdInputError("too many combinations of categorical levels to optimize over",
                                column="--goal", expected="at most 64", found=len(combos))
    best = None
    for levels in combos:
        m = load_multiresponse(file, names, model, levels=levels) if mr.fixed_levels else mr
        goals = [parse_goal(g, list(m.posterior.responses), m.observed) for g in goal]
        cons = [parse_constraint(c, m.factors) for c in constraint]
        idx = [list(m.posterior.responses).index(g.response) for g in goals]
        res = optimize_desirability(
            lambda x, m=m, idx=idx: m.predict(x)[:, idx], goals, factors=m.factors,
            bounds=m.studied, constraints=cons, sphere_radius=sphere, candidates=m.design,
            starts=starts, seed=seed, posterior=m.posterior, rows=m.rows, confidence=confidence,
        )
        if levels:
            res = dataclasses.replace(res, setting={**res.setting, **levels})
        if best is None or res.desirability > best.desirability:
            best = res
    res = best
    notes = [n for n in mr.notes if not n.startswith("categorical factor")]
    if mr.fixed_levels:
        notes.append("categorical factors optimized over every level: "
                     + ", ".join(f"{k} = {res.setting[k]!r}" for k in mr.fixed_levels))
    for n in notes:
        info(f"note: {n}")
    if notes:
        res = dataclasses.replace(res, notes=[*notes, *res.notes])
    if out is not None:
        from qbdkit.report.doe_space import optimization_page

        out.write_text(optimization_page(res, title=f"Optimization — {Path(file).name}"),
                       encoding="utf-8")
        info(f"wrote {out}")
    emit(res, as_json)


def _goal_name(text: str) -> str:
    head = text.split(";", 1)[0].replace("：", ":")
    if ":" not in head:
        raise QbdInputError(f"cannot read goal {text!r}", column="--goal",
                            expected="NAME:max, NAME:min or NAME:target=T,L,U", found=text)
    return head.rsplit(":", 1)[0].strip()


def design_space_command(
    file: Path = typer.Argument(..., help="Filled run sheet (CSV/XLSX)."),
    response: list[str] = typer.Option([], "--response",
                                       help="Responses to model jointly (default: those in --spec)."),
    model: str = typer.Option("quadratic", "--model", help=MODEL_HELP),
    spec: list[str] = typer.Option(..., "--spec", help='"Y>=90", "Z<=5", "5<=Z<=7".'),
    factors: str | None = typer.Option(None, "--factors",
                                       help="Grid factors, comma-separated, 1–6 (default: all)."),
    grid: int = typer.Option(41, "--grid", help="Grid points per factor."),
    draws: int = typer.Option(5000, "--draws", help="Posterior predictive draws."),
    min_probability: float = typer.Option(0.9, "--min-probability",
                                          help="R: the design space is where P(all specs) ≥ R."),
    setpoint: str | None = typer.Option(None, "--setpoint",
                                        help="Set point, e.g. A=36.5,B=7.0 (default: centre); a "
                                             "categorical factor is held at the level given here "
                                             "(default: its first level)."),
    noise: str | None = typer.Option(None, "--noise",
                                     help="Set-point noise σ per factor (actual units), A=0.1,…"),
    control_sd: str | None = typer.Option(None, "--control-sd",
                                          help="Control capability σ per factor for the NOR, A=0.1,…"),
    nor_k: float = typer.Option(3.0, "--nor-k", help="NOR = set point ± k·σ."),
    seed: int = typer.Option(0, "--seed", help="Random seed (results are reproducible with it)."),
    as_json: bool = JSON_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """Probabilistic design space (Peterson), with Monte Carlo error, PAR, box and NOR."""
    from qbdkit.core.doe.analysis.analyze import find_column
    from qbdkit.core.doe.analysis.space import combine_specs, parse_spec
    from qbdkit.core.doe.analysis.space_fit import load_multiresponse
    from qbdkit.io.tables import read_table

    table = read_table(file)
    columns = table.columns
    parsed = [parse_spec(s, None) for s in spec]
    unknown = []
    for sp in parsed:
        try:
            find_column(columns, sp.response, "response", table.file)
        except QbdInputError:
            unknown.append(sp.response)
    if unknown:
        raise QbdInputError("specification on an unknown response", file=table.file, column="--spec",
                            expected="one of the columns: " + ", ".join(columns),
                            found=", ".join(unknown))
    names = list(dict.fromkeys([*response, *(sp.response for sp in parsed)]))
    raw_setpoint = _raw_pairs(setpoint, "--setpoint", columns)
    mr = load_multiresponse(file, names, model, levels=raw_setpoint)
    numeric_setpoint = ",".join(f"{k}={v}" for k, v in raw_setpoint.items() if k not in mr.fixed_levels)
    resolved = list(mr.posterior.responses)
    parsed = [parse_spec(s, resolved) for s in spec]
    specs = combine_specs(parsed)
    if grid > 401:
        raise QbdInputError("grid too fine", column="--grid", expected="2–401 points per factor",
                            found=grid)
    with _progress() as progress:
        res = _design_space(mr, specs, factors, numeric_setpoint, grid, draws, min_probability,
                            seed, noise, control_sd, nor_k, progress)
    if mr.notes:
        res = dataclasses.replace(res, notes=[*mr.notes, *res.notes])
        for n in mr.notes:
            info(f"note: {n}")
    if out is not None:
        from qbdkit.report.doe_space import design_space_page

        out.write_text(design_space_page(res, title=f"Design space — {Path(file).name}"),
                       encoding="utf-8")
        info(f"wrote {out}")
    emit(res, as_json)


def _design_space(mr, specs, factors, setpoint, grid, draws, min_probability, seed, noise,
                  control_sd, nor_k, progress):
    from qbdkit.core.doe.analysis.space import design_space

    return design_space(
        mr.posterior, mr.rows, model_factors=mr.factors, studied=mr.studied, specs=specs,
        factors=_factor_list(factors, mr.factors), setpoint=_pairs(setpoint, "--setpoint", mr.factors),
        grid=grid, draws=draws, min_probability=min_probability, seed=seed,
        noise_sd=_pairs(noise, "--noise", mr.factors),
        control_sd=_pairs(control_sd, "--control-sd", mr.factors) or None, nor_k=nor_k,
        progress=progress,
    )


@contextlib.contextmanager
def _progress():
    """A Rich progress bar on stderr when it is a terminal (stdout stays clean for --json)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("design space", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def register(app: typer.Typer) -> None:
    """Add ``optimize`` and ``design-space`` to the ``qbdkit doe`` app."""
    app.command("optimize")(optimize_command)
    app.command("design-space")(design_space_command)
