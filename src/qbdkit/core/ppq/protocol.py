"""PPQ protocol content from plain inputs.

Inputs (data frames; the service reads them from CSV/XLSX):

* ``attributes`` — one row per quality attribute tested in PPQ: ``name``, ``kind``
  (``cqa`` — a critical quality attribute with its specification; ``ipc`` — an in-process
  control with its limits), ``unit_operation`` (where the sample is taken; ``release``
  for drug-substance/product release), ``lower``, ``upper`` (at least one, or a text
  ``criterion`` such as ``conforms to reference standard`` — listed in the protocol, not
  evaluated numerically), ``unit``, optional ``method`` (analytical method),
  ``sample_point``, ``samples_per_batch``.
* ``parameters`` — one row per process parameter: ``name``, ``unit_operation``, ``class``
  (``CPP``, ``WC-CPP``, ``KPP``, ``GPP`` — seed 000 fig. 6), ``set_point``, ``nor_low``,
  ``nor_high``, ``par_low``, ``par_high``, ``unit``. CPP, WC-CPP and KPP need a PAR.

Both may carry ``_row`` (the row number in the user's file) for error messages.

Output (:class:`PPQProtocol`): the number of batches with its rationale
(:func:`~qbdkit.core.ppq.batches.ppq_batch_count`), the acceptance criteria (CQAs: their
specification; IPCs: their limits; CPP/WC-CPP/KPP: within the PAR; GPP: recorded, NOR
for information), the sampling plan per unit operation (each IPC and CQA sample with its
point, samples per batch and the total over all batches; each parameter from the batch
record), and the supporting-study checklist of seed 000 fig. 15 (readiness: equipment,
facility, analytical methods, raw materials, quality system), table 1 (PPQ-related
studies) and table 2 (other supporting validation) with owner and status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qbdkit.core.ppq.batches import BatchCount, ppq_batch_count
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError

__all__ = [
    "ATTRIBUTE_KINDS",
    "PARAMETER_CLASSES",
    "STATUSES",
    "STUDIES",
    "PPQProtocol",
    "criterion_text",
    "ppq_protocol",
]

ATTRIBUTE_KINDS = ("cqa", "ipc")
PARAMETER_CLASSES = ("CPP", "WC-CPP", "KPP", "GPP")
#: classes whose PAR is a PPQ acceptance criterion
PAR_CLASSES = ("CPP", "WC-CPP", "KPP")
STATUSES = ("open", "in progress", "done", "not applicable")

#: (id, source, study, content) — English text; Chinese in the ``ppq`` catalogue.
STUDIES: tuple[tuple[str, str, str, str], ...] = (
    ("equipment", "000 fig. 15", "Equipment readiness",
     "IOQ, cleaning validation, instrument calibration, computerised-system validation"),
    ("facility", "000 fig. 15", "Facility readiness",
     "Environmental qualification, personnel and material flow, facility disinfection"),
    ("analytical-methods", "000 fig. 15", "Analytical methods",
     "Methods used for PPQ testing are validated"),
    ("raw-materials", "000 fig. 15", "Raw materials",
     "Raw materials and excipients released to pharmacopoeial standards; CMAs confirmed"),
    ("quality-system", "000 fig. 15", "Quality system",
     "Deviations and changes closed; personnel trained"),
    ("ppq-batches", "000 table 1", "Commercial-scale PPQ batches (DS/DP manufacture and release)",
     "Batches at commercial scale with the process set by process characterization confirm "
     "the control strategy consistently yields product of the required quality"),
    ("stability", "000 table 1", "DS/DP stability",
     "Long-term, accelerated and stress stability of DS and DP from PPQ batches"),
    ("hold-times", "000 table 1", "Intermediate hold times",
     "Stability of purification intermediates under the hold conditions and times of PPQ"),
    ("mixing", "000 table 1", "Mixing validation (media, excipients, drug substance)",
     "Homogeneity of media preparation and of polysorbate, sucrose and protein after "
     "excipient addition"),
    ("characterization", "000 table 1", "Characterization of validation batches",
     "Detailed structural characterization of the PPQ batches"),
    ("shipping", "000 table 1", "DS/DP shipping validation",
     "Stability of DS and DP under the shipping conditions of PPQ"),
    ("eopc", "000 table 1", "Commercial-scale EOPC testing",
     "Testing of end-of-production cells from at least one PPQ batch"),
    ("upb", "000 table 1", "Commercial-scale unprocessed bulk testing",
     "Testing of unprocessed bulk from three batches to control potential viral "
     "contamination"),
    ("viral-clearance", "000 table 1", "Viral clearance validation",
     "Removal and inactivation of potential and undetected adventitious viruses by the "
     "process"),
    ("impurity-clearance", "000 table 1", "Process-related impurity clearance",
     "Clearance of process-related impurities from laboratory-scale studies and PPQ "
     "intermediates"),
    ("cleaning", "000 table 2", "Cleaning validation (equipment, chromatography columns)",
     "Effectiveness of the cleaning procedures"),
    ("media-shelf-life", "000 table 2", "Culture medium shelf life",
     "Storage shelf life of prepared culture media"),
    ("resin-lifetime", "000 table 2", "Chromatography resin lifetime",
     "Maximum resin lifetime under the process from scale-down studies, with concurrent "
     "verification at scale"),
    ("membrane-lifetime", "000 table 2", "Ultrafiltration membrane lifetime",
     "Maximum membrane lifetime under the process from scale-down studies, with concurrent "
     "verification at scale"),
    ("sterilization", "000 table 2", "Sterilization and depyrogenation",
     "Sterilization, depyrogenation and sterility hold of equipment and components in "
     "direct contact with sterile materials and product"),
    ("single-use", "000 table 2", "Single-use system compatibility",
     "Risk-based test plans and extractables/leachables assessment of single-use "
     "consumables"),
    ("filter", "000 table 2", "Filter validation",
     "Bacterial retention and adsorption of sterilizing filters"),
    ("container-closure", "000 table 2", "Container closure integrity",
     "Microbial ingress, dye ingress or vacuum decay testing of the container closure"),
    ("cell-bank", "000 table 2", "Cell bank validation",
     "Monoclonality and genetic stability of the cell line"),
    ("cell-bank-storage", "000 table 2", "Cell bank storage",
     "Stability of cells under the storage conditions"),
)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


def criterion_text(lower: float | None, upper: float | None, unit: str = "") -> str:
    """``90 – 110 %``, ``≤ 2 %``, ``≥ 95 %``."""
    u = f" {unit}" if unit else ""

    def f(x: float) -> str:
        return format(x, ".6g")

    if lower is not None and upper is not None:
        return f"{f(lower)} – {f(upper)}{u}"
    if upper is not None:
        return f"≤ {f(upper)}{u}"
    return f"≥ {f(lower)}{u}"


@dataclass(frozen=True)
class PPQProtocol(Result):
    """PPQ protocol content.

    ``acceptance`` rows: ``item, kind, unit_operation, lower, upper, unit, basis,
    criterion, set_point``; ``kind`` is ``cqa``/``ipc`` or the parameter class in lower case
    (``cpp``, ``wc-cpp``, ``kpp``, ``gpp``); ``basis`` ``specification`` / ``IPC limit`` /
    ``PAR`` / ``NOR`` (GPP, for information) / ``record``. ``sampling`` rows:
    ``unit_operation, item, kind, sample_point, samples_per_batch, total_samples, test``
    (parameters: sample_point ``batch record``, counts None). ``studies`` rows:
    ``id, source, study, content, owner, status, due``.
    """

    n_batches: int
    batch_rationale: BatchCount
    unit_operations: list[str]
    acceptance: list[dict[str, Any]]
    sampling: list[dict[str, Any]]
    studies: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    built_from: list[str] = field(default_factory=list)

    def criteria(self) -> list[dict[str, Any]]:
        """The acceptance rows that have a numeric criterion (what evaluation checks)."""
        return [a for a in self.acceptance if a["lower"] is not None or a["upper"] is not None]

    def summary(self) -> str:
        out = [f"PPQ protocol: {self.n_batches} batches",
               *("  " + s for s in self.batch_rationale.rationale_text("en")), "",
               "Acceptance criteria",
               format_table(["unit operation", "item", "kind", "criterion", "basis"],
                            [[a["unit_operation"], a["item"], a["kind"], a["criterion"],
                              a["basis"]] for a in self.acceptance]), "",
               "Sampling plan",
               format_table(["unit operation", "item", "sample point", "per batch", "total"],
                            [[s["unit_operation"], s["item"], s["sample_point"],
                              s["samples_per_batch"], s["total_samples"]]
                             for s in self.sampling]), "",
               "Supporting studies",
               format_table(["id", "source", "study", "owner", "status"],
                            [[s["id"], s["source"], s["study"], s["owner"], s["status"]]
                             for s in self.studies])]
        return "\n".join(out + [f"warning: {w}" for w in self.warnings])


def _row(df: pd.DataFrame, i: int) -> int | None:
    if "_row" in df.columns:
        v = df["_row"].iloc[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)
    return i + 2


def _acceptance_from_attributes(df: pd.DataFrame, file: str | None
                                ) -> tuple[list[dict[str, Any]], list[Problem]]:
    rows, problems = [], []
    for i in range(len(df)):
        r = df.iloc[i]
        name = _text(r.get("name"))
        kind = _text(r.get("kind")).lower() or "cqa"
        where = _row(df, i)
        if not name:
            problems.append(Problem("blank attribute name", file, where, "name",
                                    "the attribute's name", ""))
            continue
        if kind not in ATTRIBUTE_KINDS:
            problems.append(Problem("unknown attribute kind", file, where, "kind",
                                    " | ".join(ATTRIBUTE_KINDS), kind))
            continue
        lower, upper = _num(r.get("lower")), _num(r.get("upper"))
        text = _text(r.get("criterion"))
        if lower is None and upper is None and not text:
            problems.append(Problem(f"{kind.upper()} {name!r} has no acceptance criterion", file,
                                    where, "lower/upper",
                                    "a lower and/or upper limit (specification or IPC limit)",
                                    "both blank"))
            continue
        if lower is not None and upper is not None and lower > upper:
            problems.append(Problem("lower limit above upper limit", file, where, "lower",
                                    f"≤ upper ({upper:g})", lower))
            continue
        unit = _text(r.get("unit"))
        uo = _text(r.get("unit_operation")) or "release"
        spb = _num(r.get("samples_per_batch"))
        if spb is not None and (spb < 1 or spb != int(spb)):
            problems.append(Problem("samples per batch out of range", file, where,
                                    "samples_per_batch", "a whole number ≥ 1", spb))
            continue
        rows.append({"item": name, "kind": kind, "unit_operation": uo, "lower": lower,
                     "upper": upper, "unit": unit,
                     "basis": "specification" if kind == "cqa" else "IPC limit",
                     "criterion": (criterion_text(lower, upper, unit)
                                   if lower is not None or upper is not None else text),
                     "set_point": None,
                     "_method": _text(r.get("method")),
                     "_sample_point": _text(r.get("sample_point")),
                     "_samples_per_batch": int(spb) if spb is not None else 1})
    return rows, problems


def _acceptance_from_parameters(df: pd.DataFrame, file: str | None
                                ) -> tuple[list[dict[str, Any]], list[Problem], list[str]]:
    rows, problems, warnings = [], [], []
    for i in range(len(df)):
        r = df.iloc[i]
        name = _text(r.get("name"))
        where = _row(df, i)
        cls = _text(r.get("class")).upper().replace("_", "-")
        if not name:
            problems.append(Problem("blank parameter name", file, where, "name",
                                    "the parameter's name", ""))
            continue
        if cls not in PARAMETER_CLASSES:
            problems.append(Problem("unknown parameter class", file, where, "class",
                                    " | ".join(PARAMETER_CLASSES), cls))
            continue
        vals = {k: _num(r.get(k)) for k in ("set_point", "nor_low", "nor_high", "par_low",
                                             "par_high")}
        unit = _text(r.get("unit"))
        uo = _text(r.get("unit_operation"))
        if not uo:
            problems.append(Problem("blank unit operation", file, where, "unit_operation",
                                    "the unit operation the parameter belongs to", ""))
            continue
        if cls in PAR_CLASSES and (vals["par_low"] is None and vals["par_high"] is None):
            problems.append(Problem(f"{cls} {name!r} has no PAR", file, where, "par_low/par_high",
                                    "the proven acceptable range (PAR) of the parameter",
                                    "both blank"))
            continue
        lo, hi = vals["par_low"], vals["par_high"]
        if lo is not None and hi is not None and lo > hi:
            problems.append(Problem("PAR low above PAR high", file, where, "par_low",
                                    f"≤ par_high ({hi:g})", lo))
            continue
        if cls in PAR_CLASSES:
            nl, nh, sp = vals["nor_low"], vals["nor_high"], vals["set_point"]
            inside = [v for v in (nl, nh, sp) if v is not None]
            if any((lo is not None and v < lo) or (hi is not None and v > hi) for v in inside):
                warnings.append(f"{name}: set point or NOR outside the PAR")
            basis = "PAR"
        else:
            lo, hi = vals["nor_low"], vals["nor_high"]
            basis = "NOR" if (lo is not None or hi is not None) else "record"
        rows.append({"item": name, "kind": cls.lower(), "unit_operation": uo,
                     "lower": lo if basis != "record" else None,
                     "upper": hi if basis != "record" else None, "unit": unit, "basis": basis,
                     "criterion": (criterion_text(lo, hi, unit) if basis != "record"
                                   else "recorded"),
                     "set_point": vals["set_point"]})
    return rows, problems, warnings


def _studies(overrides: pd.DataFrame | None, file: str | None) -> list[dict[str, Any]]:
    studies = {sid: {"id": sid, "source": f"seed {src}", "study": study, "content": content,
                     "owner": "", "status": "open", "due": ""}
               for sid, src, study, content in STUDIES}
    if overrides is None:
        return list(studies.values())
    problems = []
    for i in range(len(overrides)):
        r = overrides.iloc[i]
        where = _row(overrides, i)
        sid = _text(r.get("id"))
        status = _text(r.get("status")).lower() or "open"
        if status not in STATUSES:
            problems.append(Problem("unknown study status", file, where, "status",
                                    " | ".join(STATUSES), status))
            continue
        if sid not in studies:
            study = _text(r.get("study"))
            if not study:
                problems.append(Problem("unknown study id", file, where, "id",
                                        "one of " + ", ".join(studies) + " (or a new id with "
                                        "a 'study' text)", sid))
                continue
            studies[sid] = {"id": sid, "source": "user", "study": study,
                            "content": _text(r.get("content")), "owner": "", "status": "open",
                            "due": ""}
        studies[sid].update(owner=_text(r.get("owner")), status=status, due=_text(r.get("due")))
    if problems:
        raise QbdInputError(problems=problems)
    return list(studies.values())


def ppq_protocol(attributes: pd.DataFrame, parameters: pd.DataFrame, *,
                 unit_operations: list[str] | None = None,
                 batch_count: BatchCount | None = None,
                 studies: pd.DataFrame | None = None,
                 files: dict[str, str] | None = None,
                 built_from: list[str] | None = None) -> PPQProtocol:
    """Protocol content: batches and rationale, acceptance criteria, sampling plan,
    supporting-study checklist (see the module docstring for the input columns).

    ``batch_count`` defaults to :func:`ppq_batch_count` (three batches); ``files`` names the
    files behind ``attributes``/``parameters``/``studies`` for error messages;
    ``built_from`` (kept in the result) says where the tables came from (e.g. the control
    strategy record).
    """
    files = files or {}
    bc = batch_count or ppq_batch_count()
    a_rows, problems = _acceptance_from_attributes(attributes, files.get("attributes"))
    p_rows, p_problems, warnings = _acceptance_from_parameters(parameters,
                                                               files.get("parameters"))
    problems += p_problems
    seen: dict[str, str] = {}
    for rows, fkey in ((a_rows, "attributes"), (p_rows, "parameters")):
        for r in rows:
            if r["item"] in seen:
                problems.append(Problem("item named twice", files.get(fkey), None, "name",
                                        "unique attribute and parameter names", r["item"]))
            seen[r["item"]] = fkey
    order = list(unit_operations or [])
    for r in p_rows + a_rows:
        uo = r["unit_operation"]
        if unit_operations is not None and uo not in order and uo != "release":
            problems.append(Problem("unknown unit operation", files.get("parameters"), None,
                                    "unit_operation", "one of " + ", ".join(order), uo))
        elif uo not in order:
            order.append(uo)
    if problems:
        raise QbdInputError(problems=problems)
    if "release" in order:  # release testing closes the sequence
        order = [u for u in order if u != "release"] + ["release"]
    n = bc.n_batches
    sampling: list[dict[str, Any]] = []
    acceptance: list[dict[str, Any]] = []
    for uo in order:
        for r in p_rows:
            if r["unit_operation"] == uo:
                sampling.append({"unit_operation": uo, "item": r["item"], "kind": r["kind"],
                                 "sample_point": "batch record", "samples_per_batch": None,
                                 "total_samples": None, "test": ""})
                acceptance.append({k: v for k, v in r.items() if not k.startswith("_")})
        for r in a_rows:
            if r["unit_operation"] == uo:
                point = r["_sample_point"] or ("release sample" if uo == "release"
                                               else "end of step")
                spb = r["_samples_per_batch"]
                sampling.append({"unit_operation": uo, "item": r["item"], "kind": r["kind"],
                                 "sample_point": point, "samples_per_batch": spb,
                                 "total_samples": spb * n, "test": r["_method"]})
                acceptance.append({k: v for k, v in r.items() if not k.startswith("_")})
    return PPQProtocol(n_batches=n, batch_rationale=bc, unit_operations=order,
                       acceptance=acceptance, sampling=sampling,
                       studies=_studies(studies, files.get("studies")), warnings=warnings,
                       built_from=list(built_from or []))
