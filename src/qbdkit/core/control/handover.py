"""From a control strategy to the tables of the stages after it.

* :func:`ppq_tables` — the attribute and parameter tables a PPQ protocol is generated from
  (:func:`qbdkit.core.ppq.ppq_protocol`): every CQA with its specification (release before
  IPC before stability, :func:`~qbdkit.core.control.strategy.spec_of`; a text criterion
  when it has no numeric one), every other in-process control, and every classified
  parameter with its set point, NOR and PAR.
* :func:`cpv_items` — the items continued process verification charts
  (:func:`qbdkit.core.spc.cpv_review`): every CPP (WC-CPPs are CPPs), KPP and CQA with its
  specification, PAR and NOR, and where its values are found (unit operation and name).

Both accept the :class:`~qbdkit.core.control.strategy.ControlStrategy` or its stored dict.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qbdkit.core.control.strategy import TEST_ORDER, ControlStrategy, spec_of

ATTRIBUTE_COLUMNS = ["name", "kind", "unit_operation", "lower", "upper", "unit", "method",
                     "criterion", "sample_point", "samples_per_batch"]
PARAMETER_COLUMNS = ["name", "unit_operation", "class", "set_point", "nor_low", "nor_high",
                     "par_low", "par_high", "unit"]
ITEM_COLUMNS = ["item", "kind", "source", "unit_operation", "name", "label", "unit", "lsl",
                "usl", "par_low", "par_high", "nor_low", "nor_high"]
#: control-strategy class → CPV item kind (GPPs are not charted)
CPV_KIND = {"CPP": "CPP", "WC-CPP": "CPP", "KPP": "KPP"}


def _as_dict(cs: ControlStrategy | dict[str, Any]) -> dict[str, Any]:
    return cs.to_dict() if isinstance(cs, ControlStrategy) else cs


def _ends(r: list[float | None] | None) -> tuple[float | None, float | None]:
    return (None, None) if not r else (r[0], r[1])


def ppq_tables(cs: ControlStrategy | dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(attributes, parameters)`` in the columns of the PPQ protocol's input tables.

    A CQA with no test at all gets a row with blank limits and criterion, which the
    protocol refuses (a CQA with no acceptance criterion is an input error).
    """
    d = _as_dict(cs)
    attrs: list[dict[str, Any]] = []
    for a in d["attributes"]:
        spec = spec_of(a)
        tests = [c for c in a["controls"] if c["element"] in TEST_ORDER]
        if a["cqa"]:
            first = spec or (tests[0] if tests else None)
            attrs.append({
                "name": a["name"], "kind": "cqa",
                "unit_operation": "release" if first is None or first["element"] != "ipc"
                else first["unit_operation"],
                "lower": None if spec is None else spec["lower"],
                "upper": None if spec is None else spec["upper"],
                "unit": a["unit"] if first is None else first["unit"],
                "method": "" if first is None else first["method"],
                "criterion": "" if first is None else first["criterion"],
                "sample_point": "", "samples_per_batch": None})
        for c in a["controls"]:
            if c["element"] != "ipc" or (a["cqa"] and c is spec):
                continue
            if c["lower"] is None and c["upper"] is None and not c["criterion"]:
                continue
            attrs.append({
                "name": f"{a['name']}@{c['unit_operation']}" if a["cqa"] else a["name"],
                "kind": "ipc", "unit_operation": c["unit_operation"], "lower": c["lower"],
                "upper": c["upper"], "unit": c["unit"], "method": c["method"],
                "criterion": c["criterion"], "sample_point": "", "samples_per_batch": None})
    params: list[dict[str, Any]] = []
    for p in d["parameters"]:
        if not p["class"]:
            continue
        nor, par = _ends(p["nor"]), _ends(p["par"])
        sp = p["set_point"]
        params.append({"name": p["item"], "unit_operation": p["unit_operation"],
                       "class": p["class"],
                       "set_point": sp if isinstance(sp, int | float) else None,
                       "nor_low": nor[0], "nor_high": nor[1], "par_low": par[0],
                       "par_high": par[1], "unit": p["unit"]})
    return (pd.DataFrame(attrs, columns=ATTRIBUTE_COLUMNS),
            pd.DataFrame(params, columns=PARAMETER_COLUMNS))


def cpv_items(cs: ControlStrategy | dict[str, Any]) -> pd.DataFrame:
    """One row per CPV item (``ITEM_COLUMNS``): CPPs and KPPs with PAR and NOR, CQAs with
    their specification; ``source`` says where the values are (``parameter``: measurements
    of ``name`` in ``unit_operation``; ``attribute``: measurements of ``name`` anywhere)."""
    d = _as_dict(cs)
    rows: list[dict[str, Any]] = []
    for p in d["parameters"]:
        kind = CPV_KIND.get(p["class"])
        if kind is None:
            continue
        nor, par = _ends(p["nor"]), _ends(p["par"])
        rows.append({"item": p["item"], "kind": kind, "source": "parameter",
                     "unit_operation": p["unit_operation"], "name": p["name"],
                     "label": p["label"], "unit": p["unit"], "lsl": None, "usl": None,
                     "par_low": par[0], "par_high": par[1], "nor_low": nor[0],
                     "nor_high": nor[1]})
    for a in d["attributes"]:
        if not a["cqa"]:
            continue
        spec = spec_of(a)
        rows.append({"item": a["name"], "kind": "CQA", "source": "attribute",
                     "unit_operation": "", "name": a["name"], "label": a["label"],
                     "unit": a["unit"], "lsl": None if spec is None else spec["lower"],
                     "usl": None if spec is None else spec["upper"], "par_low": None,
                     "par_high": None, "nor_low": None, "nor_high": None})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)
