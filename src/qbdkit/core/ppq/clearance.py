"""Viral clearance: log reduction value (LRV) per step, cumulative LRV, safety margin.

Per step and model virus (ICH Q5A(R1) Appendix 4, reproduced in USP ⟨1050⟩; the same
calculation in Q5A(R2)): with load volume v′ and titre 10^a′, output volume v″ and titre
10^a″,

    LRV = log₁₀( v′·10^a′ / (v″·10^a″) )

(volumes in the same unit, titres per unit volume, e.g. TCID₅₀/mL). A titre below the
limit of detection is entered as the detection limit and makes the LRV a lower bound
(``≥``). Replicate runs of a step are combined by their minimum (``replicates="min"``,
the conservative choice) or mean.

Cumulative LRV per virus (Q5A: "an individual reduction factor used for the calculation
of an overall reduction factor should be greater than 1"; reduction factors "of the
order of 1 log or less would be considered negligible and would be ignored"; steps of the
same mechanism are not additive): steps with LRV ≤ 1 are ignored, and of the steps that
share a mechanism (e.g. two anion-exchange steps) only the largest LRV counts.

Safety margin (Q5A Appendix 5): the expected particles per dose after the process is

    particles per dose = c · V / 10^(cumulative LRV)

with ``c`` the retrovirus-like particles per mL of unprocessed bulk (e.g. by TEM of the
UPB, seed 000 table 1) and ``V`` the volume of harvest needed for one dose. Q5A's worked
example: c = 10⁶/mL, V = 10³ mL, clearance > 10¹⁵ → < 10⁻⁶ particles per dose, i.e. less
than one particle per million doses, the usual target (``target_log10 = −6``); the margin
reported is ``log10(target) − log10(particles per dose)`` (≥ 0 meets the target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError

__all__ = ["ClearanceResult", "SafetyMargin", "log_reduction", "safety_margin",
           "viral_clearance"]

#: LRV at or below this is negligible (ICH Q5A)
NEGLIGIBLE_LRV = 1.0
#: ≤ 1 particle per 10⁶ doses (ICH Q5A Appendix 5)
TARGET_LOG10 = -6.0
RETROVIRUS_MODELS = ("xmulv", "x-mulv", "mulv", "xmlv", "amulv", "retrovirus")


def log_reduction(load_titre_log10: float, load_volume: float, output_titre_log10: float,
                  output_volume: float) -> float:
    """LRV = (a′ + log₁₀ v′) − (a″ + log₁₀ v″) for log₁₀ titres a′, a″ (Q5A Appendix 4)."""
    return (load_titre_log10 + math.log10(load_volume)) - (output_titre_log10
                                                           + math.log10(output_volume))


@dataclass(frozen=True)
class SafetyMargin(Result):
    """Particles per dose after clearance against the target (Q5A Appendix 5)."""

    virus: str
    particles_per_ml: float
    volume_per_dose_ml: float
    log10_particles_per_dose_before: float
    cumulative_lrv: float
    log10_particles_per_dose: float
    target_log10: float
    margin_log10: float
    meets_target: bool

    def summary(self) -> str:
        return (f"{self.virus}: 10^{self.log10_particles_per_dose_before:.2f} particles per dose "
                f"before clearance, cumulative LRV {self.cumulative_lrv:.2f} → "
                f"10^{self.log10_particles_per_dose:.2f} per dose; target ≤ "
                f"10^{self.target_log10:g}: margin {self.margin_log10:.2f} log "
                + ("(meets)" if self.meets_target else "(does NOT meet)"))


def safety_margin(cumulative_lrv: float, particles_per_ml: float, volume_per_dose_ml: float,
                  *, target_log10: float = TARGET_LOG10, virus: str = "retrovirus"
                  ) -> SafetyMargin:
    """Expected particles per dose after ``cumulative_lrv`` (see the module docstring)."""
    for value, name in ((particles_per_ml, "particles_per_ml"),
                        (volume_per_dose_ml, "volume_per_dose_ml")):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise QbdInputError(f"{name} out of range", column=name,
                                expected="a positive number", found=value)
    before = math.log10(particles_per_ml) + math.log10(volume_per_dose_ml)
    after = before - cumulative_lrv
    margin = target_log10 - after
    return SafetyMargin(virus=virus, particles_per_ml=float(particles_per_ml),
                        volume_per_dose_ml=float(volume_per_dose_ml),
                        log10_particles_per_dose_before=before, cumulative_lrv=cumulative_lrv,
                        log10_particles_per_dose=after, target_log10=target_log10,
                        margin_log10=margin, meets_target=margin >= -1e-12)


@dataclass(frozen=True)
class ClearanceResult(Result):
    """Step LRVs and cumulative LRV per virus.

    ``steps`` rows: ``virus, step, mechanism, runs, lrv, lower_bound, counted, reason``
    (reason: ``counted`` / ``negligible (≤ 1 log)`` / ``same mechanism as <step>``).
    ``viruses`` rows: ``virus, cumulative_lrv, counted_steps, lower_bound``. ``safety`` is
    the margin for the retrovirus model when the particle load is given.
    """

    steps: list[dict[str, Any]]
    viruses: list[dict[str, Any]]
    replicates: str
    safety: SafetyMargin | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        steps = format_table(
            ["virus", "step", "mechanism", "runs", "LRV", "counted"],
            [[s["virus"], s["step"], s["mechanism"], s["runs"],
              ("≥ " if s["lower_bound"] else "") + f"{s['lrv']:.2f}", s["reason"]]
             for s in self.steps])
        cum = format_table(["virus", "cumulative LRV", "steps counted"],
                           [[v["virus"], ("≥ " if v["lower_bound"] else "")
                             + f"{v['cumulative_lrv']:.2f}", ", ".join(v["counted_steps"])]
                            for v in self.viruses])
        out = ["Viral clearance", steps, "", cum]
        if self.safety is not None:
            out += ["", self.safety.summary()]
        return "\n".join(out + [f"note: {n}" for n in self.notes])


def _row(df: pd.DataFrame, i: int) -> int:
    if "_row" in df.columns and pd.notna(df["_row"].iloc[i]):
        return int(df["_row"].iloc[i])
    return i + 2


def _number(df, i, col, file, problems, *, positive: bool) -> float | None:
    v = df[col].iloc[i] if col in df.columns else None
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = math.nan
    if v is None or math.isnan(f):
        problems.append(Problem("missing value", file, _row(df, i), col, "a number",
                                "" if v is None or (isinstance(v, float) and math.isnan(v))
                                else v))
        return None
    if positive and not f > 0:
        problems.append(Problem("must be positive", file, _row(df, i), col,
                                "a positive number", f))
        return None
    if not math.isfinite(f):
        problems.append(Problem("not a finite number", file, _row(df, i), col, "a number", f))
        return None
    return f


def viral_clearance(table: pd.DataFrame, *, titre_scale: str = "log10",
                    replicates: str = "min", particles_per_ml: float | None = None,
                    volume_per_dose_ml: float | None = None, retrovirus: str | None = None,
                    target_log10: float = TARGET_LOG10, file: str | None = None
                    ) -> ClearanceResult:
    """LRV per step, cumulative LRV per virus and (optionally) the retrovirus safety margin.

    ``table`` columns: ``step``, ``mechanism`` (blank: the step's own mechanism),
    ``virus``, ``load_titre``, ``load_volume``, ``output_titre``, ``output_volume``,
    optional ``below_lod`` (true when the output titre is the detection limit) and
    ``_row``. Titres are log₁₀ (``titre_scale="log10"``, may be negative) or linear
    (``"linear"``, must be positive); missing titres, missing or non-positive volumes and
    non-positive linear titres are input errors naming file, row and column.
    """
    if titre_scale not in ("log10", "linear"):
        raise QbdInputError("unknown titre scale", column="titre_scale",
                            expected="log10 | linear", found=titre_scale)
    if replicates not in ("min", "mean"):
        raise QbdInputError("unknown replicate rule", column="replicates",
                            expected="min | mean", found=replicates)
    df = table.reset_index(drop=True)
    missing = [c for c in ("step", "virus", "load_titre", "load_volume", "output_titre",
                           "output_volume") if c not in df.columns]
    if missing:
        raise QbdInputError(problems=[Problem("missing column", file, 1, c, f"a {c!r} column",
                                              ", ".join(map(str, df.columns))) for c in missing])
    if df.empty:
        raise QbdInputError("no rows", file=file, expected="one row per step, virus and run")
    problems: list[Problem] = []
    runs = []
    for i in range(len(df)):
        step = str(df["step"].iloc[i]).strip() if pd.notna(df["step"].iloc[i]) else ""
        virus = str(df["virus"].iloc[i]).strip() if pd.notna(df["virus"].iloc[i]) else ""
        for text, col in ((step, "step"), (virus, "virus")):
            if not text:
                problems.append(Problem("blank cell", file, _row(df, i), col, f"the {col}", ""))
        positive = titre_scale == "linear"
        lt = _number(df, i, "load_titre", file, problems, positive=positive)
        lv = _number(df, i, "load_volume", file, problems, positive=True)
        ot = _number(df, i, "output_titre", file, problems, positive=positive)
        ov = _number(df, i, "output_volume", file, problems, positive=True)
        if None in (lt, lv, ot, ov) or not step or not virus:
            continue
        if positive:
            lt, ot = math.log10(lt), math.log10(ot)
        mech = ""
        if "mechanism" in df.columns and pd.notna(df["mechanism"].iloc[i]):
            mech = str(df["mechanism"].iloc[i]).strip()
        lod = False
        if "below_lod" in df.columns and pd.notna(df["below_lod"].iloc[i]):
            lod = str(df["below_lod"].iloc[i]).strip().lower() in ("1", "true", "yes", "y", "是",
                                                                  "≤", "<", "1.0")
        runs.append({"virus": virus, "step": step, "mechanism": mech or step,
                     "lrv": log_reduction(lt, lv, ot, ov), "lod": lod})
    if problems:
        raise QbdInputError(problems=problems[:20])
    rdf = pd.DataFrame(runs)
    steps: list[dict[str, Any]] = []
    viruses: list[dict[str, Any]] = []
    for virus, vsub in rdf.groupby("virus", sort=False):
        vsteps = []
        for step, ssub in vsub.groupby("step", sort=False):
            lrvs = ssub["lrv"].to_numpy()
            if replicates == "min":
                lrv = float(lrvs.min())
                lod = bool(ssub["lod"].to_numpy()[int(np.argmin(lrvs))])
            else:
                lrv = float(lrvs.mean())
                lod = bool(ssub["lod"].all())
            vsteps.append({"virus": virus, "step": step, "mechanism": ssub["mechanism"].iloc[0],
                           "runs": len(lrvs), "lrv": lrv, "lower_bound": lod, "counted": False,
                           "reason": ""})
        best: dict[str, dict[str, Any]] = {}
        for s in vsteps:
            if s["lrv"] <= NEGLIGIBLE_LRV:
                s["reason"] = "negligible (≤ 1 log)"
                continue
            key = s["mechanism"].lower()
            if key not in best or s["lrv"] > best[key]["lrv"]:
                best[key] = s
        for s in vsteps:
            if s["reason"]:
                continue
            winner = best[s["mechanism"].lower()]
            if winner is s:
                s["counted"], s["reason"] = True, "counted"
            else:
                s["reason"] = f"same mechanism as {winner['step']}"
        counted = [s for s in vsteps if s["counted"]]
        viruses.append({"virus": virus, "cumulative_lrv": float(sum(s["lrv"] for s in counted)),
                        "counted_steps": [s["step"] for s in counted],
                        "lower_bound": any(s["lower_bound"] for s in counted)})
        steps += vsteps
    safety = None
    notes: list[str] = []
    if particles_per_ml is not None or volume_per_dose_ml is not None:
        if particles_per_ml is None or volume_per_dose_ml is None:
            raise QbdInputError("particle load incomplete", column="particles_per_ml",
                                expected="both particles_per_ml and volume_per_dose_ml",
                                found="only one of them")
        names = [v["virus"] for v in viruses]
        if retrovirus is None:
            matches = [v for v in names if v.lower().replace(" ", "") in RETROVIRUS_MODELS]
            if len(matches) != 1:
                raise QbdInputError("cannot tell the retrovirus model", column="retrovirus",
                                    expected="the name of the model retrovirus among "
                                             + ", ".join(names), found="none given")
            retrovirus = matches[0]
        if retrovirus not in names:
            raise QbdInputError("unknown virus", column="retrovirus",
                                expected="one of " + ", ".join(names), found=retrovirus)
        v = next(v for v in viruses if v["virus"] == retrovirus)
        safety = safety_margin(v["cumulative_lrv"], particles_per_ml, volume_per_dose_ml,
                               target_log10=target_log10, virus=retrovirus)
        if v["lower_bound"]:
            notes.append(f"{retrovirus}: the cumulative LRV is a lower bound (titre at the "
                         "detection limit), so the margin is at least the value shown")
    return ClearanceResult(steps=steps, viruses=viruses, replicates=replicates, safety=safety,
                           notes=notes)
