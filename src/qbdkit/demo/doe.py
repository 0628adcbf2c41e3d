"""The demo's DoE stage: designs, analysis, CPP re-assessment, design space and optimum as
stored records of the demo project, and the design space and parameter classes accepted into
the project — one story from the risk assessment to the accepted PAR/NOR.

1. **Designs** (``doe.design/screening``, ``doe.design/response-surface``): the factors are the
   potential CPPs of the project's C&E record (``risk/ce.csv``: temperature, feed, pH, culture
   duration, DO) with the studied ranges and units of the project's production-bioreactor
   parameters; responses are the C&E's outputs with the CQAs' acceptance criteria. Screening: a
   definitive screening design of the five; response surface: a face-centred CCD with 4 centre
   points on the four kept after screening (culture duration is held by a fixed harvest day).
   Run sheets (XLSX + CSV + ``.factors.yaml``) are written to ``d.out_dir``.
2. **Analysis** (``doe.analysis/response-surface``) of the filled run sheet ``doe/results.csv``
   (SYNTHETIC, :mod:`qbdkit.demo.synth_doe`) with its factor definitions
   ``doe/results.factors.yaml`` (:func:`write_results_definitions`): quadratic models reduced at
   α = 0.05, canonical analysis.
3. **CPP re-assessment** (``doe.reassess/bioreactor``) against the demo specifications.
4. **Design space** (``doe.design_space/bioreactor``, seeded) and the desirability optimum
   (``doe.optimize/bioreactor``) with the inputs of ``doe_space/space.yaml``.
5. **Accepted** into the project: the design space's set point, NOR and PAR and the parameter
   classes after the DoE (``qbdkit project accept``), each change audited old → new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: the four response-surface factors (C&E names) — the columns of doe/results.csv
RSM_FACTORS = ["Temperature (°C)", "pH", "DO (%)", "Feed (%)"]
REASON = "qbdkit demo"


def results_definitions() -> dict[str, Any]:
    """The factor definitions of the demo's filled run sheet ``doe/results.csv``: the factors
    of the response-surface design (C&E names, project studied ranges, project parameters)
    and its responses (the CQAs' acceptance criteria of the project)."""
    from qbdkit.demo.synth_doe import DEMO_FACTORS

    refs = {"Temperature (°C)": "production_bioreactor/temperature",
            "pH": "production_bioreactor/ph",
            "DO (%)": "production_bioreactor/dissolved_oxygen",
            "Feed (%)": "production_bioreactor/feed_volume"}
    factors = []
    for name, low, high, unit in DEMO_FACTORS:
        entry: dict[str, Any] = {"name": name, "type": "numeric", "low": low, "high": high}
        if unit:
            entry["unit"] = unit
        entry["parameter"] = refs[name]
        factors.append(entry)
    responses = [
        {"name": "Titer (g/L)", "kind": "performance"},
        {"name": "Aggregate (%)", "high": 3.0, "unit": "%", "attribute": "aggregates",
         "kind": "cqa"},
        {"name": "Afucosylation (%)", "low": 5.0, "high": 11.0, "unit": "%",
         "attribute": "afucosylation", "kind": "cqa"},
        {"name": "HCP (ng/mg)", "high": 100.0, "unit": "ng/mg", "attribute": "hcp",
         "kind": "cqa"},
    ]
    return {"run_sheet": "results.csv",
            "coding": "coded = (actual − (low + high)/2) / ((high − low)/2)",
            "factors": factors, "responses": responses}


def write_results_definitions(folder: Path) -> Path:
    """Write ``results.factors.yaml`` (the sidecar of ``results.csv``) into ``folder``."""
    path = Path(folder) / "results.factors.yaml"
    text = ("# Factor definitions of results.csv (SYNTHETIC demo; qbdkit contract C sidecar), "
            "written by\n# qbdkit.demo.doe.write_results_definitions: the response-surface "
            "design's factors and responses.\n")
    text += yaml.safe_dump(results_definitions(), allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")
    return path


def _ensure_ce(d: Any) -> None:
    """The DoE factors come from the project's C&E record; store it when the risk stage has
    not (the demo normally runs the risk stage first)."""
    from qbdkit.services.records import record_history

    if any(r["kind"] == "risk.ce" for r in record_history(d.project, url=d.ctx.url)):
        return
    from qbdkit.core.risk import cause_and_effect
    from qbdkit.io import read_table
    from qbdkit.services.risk import store_assessment

    path = d.project_dir / "risk" / "ce.csv"
    store_assessment(d.project, "ce", "ce", cause_and_effect(read_table(path)), user=d.ctx.user,
                     reason=f"{REASON}: C&E matrix", source={"file": path.name}, url=d.ctx.url)


def run(d: Any) -> None:
    """Store the demo's DoE records and accept the design space into the project."""
    from qbdkit.demo.synth_doe import DEMO_SETPOINT, DEMO_SPECS
    from qbdkit.services.doe import (
        AnalysisRequest,
        DesignRequest,
        DesignSpaceRequest,
        OptimizeRequest,
        ReassessRequest,
        write_run_sheets,
    )
    from qbdkit.services.doe_project import project_factors
    from qbdkit.services.projects import accept_record

    _ensure_ce(d)
    d.out_dir.mkdir(parents=True, exist_ok=True)
    fields, notes = project_factors(d.project, url=d.ctx.url,
                                    unit_operation="production_bioreactor")
    for n in notes:
        d.say(f"doe: {n}")
    what = fields["source"]
    reason = (f"{REASON}: factors from {what['kind']}/{what['name']} v{what['version']} "
              f"(project v{what['project_version']})")
    screening = d.store("doe.design", DesignRequest(**fields, type="dsd", model="linear", seed=1),
                        "screening", reason=reason)
    write_run_sheets(screening, d.out_dir / "doe_screening_runs.xlsx")
    rsm = d.store("doe.design", DesignRequest(**fields, select=RSM_FACTORS, type="ccd",
                                              alpha="face", center=4, seed=1),
                  "response-surface", reason=reason)
    write_run_sheets(rsm, d.out_dir / "doe_response_surface_runs.xlsx")
    d.say(f"doe: designs stored ({screening.n_runs} screening runs, {rsm.n_runs} response-"
          "surface runs)")

    folder = d.project_dir / "doe"
    results, sidecar = folder / "results.csv", folder / "results.factors.yaml"
    d.store("doe.analysis", AnalysisRequest(file=results, factors_file=sidecar,
                                            responses=list(DEMO_SPECS), reduce=True,
                                            canonical=False), "response-surface",
            reason=f"{REASON}: analysis of the filled response-surface run sheet")
    cqa = [_spec_text(n, lo, hi) for n, (lo, hi, kind) in DEMO_SPECS.items() if kind == "cqa"]
    perf = [_spec_text(n, lo, hi) for n, (lo, hi, kind) in DEMO_SPECS.items()
            if kind == "performance"]
    d.store("doe.reassess", ReassessRequest(file=results, factors_file=sidecar, specs=cqa,
                                            performance=perf, reduce=True,
                                            setpoint=dict(DEMO_SETPOINT)), "bioreactor",
            reason=f"{REASON}: CPP re-assessment")
    cfg = yaml.safe_load((d.project_dir / "doe_space" / "space.yaml").read_text(encoding="utf-8"))
    space = d.store("doe.design_space", DesignSpaceRequest(
        file=results, factors_file=sidecar, specs=list(cfg["specifications"]),
        model=cfg["model"], grid=int(cfg["grid"]), draws=int(cfg["draws"]),
        min_probability=float(cfg["min_probability"]),
        setpoint={k: repr(float(v)) for k, v in cfg["setpoint"].items()},
        control_sd={k: float(v) for k, v in cfg["control_sd"].items()},
        nor_k=float(cfg["nor_k"]), seed=int(cfg["seed"])), "bioreactor",
        reason=f"{REASON}: probabilistic design space")
    d.store("doe.optimize", OptimizeRequest(file=results, factors_file=sidecar,
                                            goals=list(cfg["goals"]), starts=8,
                                            seed=int(cfg["seed"])), "bioreactor",
            reason=f"{REASON}: desirability optimum")
    d.say(f"doe: design space P(set point) = {space.setpoint_probability:.3f}")
    for kind, name, why in (("doe.design_space", "bioreactor", "design-space set point, NOR "
                                                                "and PAR"),
                            ("doe.reassess", "bioreactor", "parameter classes after the DoE")):
        accepted = accept_record(d.project, kind, name, None, d.ctx, f"{REASON}: accept the {why}")
        d.say(f"doe: {accepted.summary().splitlines()[0]}")


def _spec_text(name: str, lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}<={name}<={hi:g}"
    return f"{name}>={lo:g}" if lo is not None else f"{name}<={hi:g}"
