"""Timeline templates (YAML in ``qbdkit/templates/timelines``): the plans of seed 000.

``pcpv-17`` — 17-month process characterisation and validation plan, from technology
transfer to BLA; ``pc-standard-7`` — standard process characterisation (7 months);
``pc-fast-4`` — fast process characterisation (4 months to PPQ). A user file in the same
shape (``name``, ``title: {en, zh}``, ``tasks: [{name, label, phase, duration, after, lag}]``
with durations in working days) can be given instead; :func:`qbdkit.core.operations.timeline.
schedule` turns it into dates.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qbdkit.errors import QbdInputError

TIMELINES: dict[str, str] = {
    "pcpv-17": "pcpv_17_months.yaml",
    "pc-standard-7": "pc_standard_7_months.yaml",
    "pc-fast-4": "pc_fast_4_months.yaml",
}


def load_timeline(name: str | None = None, path: str | Path | None = None) -> dict[str, Any]:
    """The timeline document of template ``name`` or of the YAML file ``path``."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise QbdInputError("file not found", file=str(path))
        text, where = p.read_text(encoding="utf-8-sig"), str(path)
    else:
        if name not in TIMELINES:
            raise QbdInputError("unknown timeline template", column="template",
                                expected=" | ".join(TIMELINES), found=name)
        where = f"qbdkit/templates/timelines/{TIMELINES[name]}"
        text = resources.files("qbdkit.templates").joinpath("timelines", TIMELINES[name]) \
            .read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise QbdInputError("not valid YAML", file=where,
                            row=None if mark is None else mark.line + 1) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks"), list):
        raise QbdInputError("not a timeline", file=where, column="tasks",
                            expected="a mapping with a list of tasks")
    doc.setdefault("name", name or Path(where).stem)
    doc["_file"] = where
    return doc
