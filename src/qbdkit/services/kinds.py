"""Record kinds by registration: one generic mechanism serves every area.

An area adds a kind, not a table (DESIGN.md, "The programme record")::

    register(Kind("cpv.chart", ChartRequest, chart, ChartResult,
                  title={"en": "Control chart", "zh": "控制图"}, stage="cpv"))

``run(request, ctx) -> Result`` is the use case itself; storing, re-running, comparing,
listing and rendering records of the kind then works through :mod:`qbdkit.services.records`
and the ``records`` command / route without per-kind code. ``stage`` places the kind in the
order of the QbD flow for the project report (see :data:`STAGES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qbdkit.errors import QbdInputError

#: The order of the QbD flow (DESIGN.md); reports and pages list record kinds in this order.
STAGES: tuple[str, ...] = (
    "project", "risk", "sdm", "mvda", "doe", "design-space", "control-strategy", "spec",
    "ppq", "cpv", "stability", "comparability", "change", "operations", "other",
)


@dataclass(frozen=True)
class Kind:
    """A registered record kind.

    * ``name`` — ``area.use_case`` (e.g. ``doe.analysis``); the ``kind`` column of records.
    * ``request`` — the :class:`~qbdkit.services.base.Request` subclass (stored as JSON).
    * ``run`` — ``run(request, ctx) -> Result``; deterministic given the request (and its
      seed), so a stored record re-runs to the same result.
    * ``result`` — the result class; ``result.from_dict(stored)`` rebuilds it for rendering.
    * ``title`` — ``{"en": …, "zh": …}``; ``stage`` — one of :data:`STAGES`.
    * ``accepts`` — optional: what accepting this record changes in the project
      (``accepts(result_dict) -> list of changes``), e.g. PAR/NOR from a design space.
    * ``example`` — ``example(folder) -> request``: writes small, realistic input files into
      ``folder`` and returns a request using them. The kind contract test
      (``tests/services/test_kind_contract.py``) runs it, round-trips the result through
      ``to_dict``/``from_dict``, renders it as text and HTML (en, zh), stores it and re-runs
      it on SQLite and PostgreSQL, expecting byte-identical JSON.
    """

    name: str
    request: type
    run: Callable[..., Any]
    result: type | None = None
    title: dict[str, str] = field(default_factory=dict)
    stage: str = "other"
    accepts: Callable[..., Any] | None = None
    example: Callable[..., Any] | None = None

    def display(self, lang: str = "en") -> str:
        return self.title.get(lang) or self.title.get("en") or self.name


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (registering the same name twice replaces it)."""
    if kind.stage not in STAGES:
        raise ValueError(f"unknown stage {kind.stage!r}; one of {STAGES}")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    """The registered kind ``name``, or a :class:`QbdInputError` listing the known kinds."""
    load_all()
    try:
        return _KINDS[name]
    except KeyError:
        raise QbdInputError("unknown record kind", column="kind",
                            expected=" | ".join(sorted(_KINDS)) or "a registered kind",
                            found=name) from None


def all_kinds() -> list[Kind]:
    """Every registered kind, in the order of the QbD flow."""
    load_all()
    return sorted(_KINDS.values(), key=lambda k: (STAGES.index(k.stage), k.name))


#: Service modules that register kinds when imported (each area adds its module here).
KIND_MODULES: list[str] = [
    "qbdkit.services.spc",
    "qbdkit.services.stability",
    "qbdkit.services.comparability",
    "qbdkit.services.ppq",
    "qbdkit.services.operations",
    "qbdkit.services.control",
    "qbdkit.services.risk",
    "qbdkit.services.sdm",
    "qbdkit.services.mvda",
    "qbdkit.services.doe",
    "qbdkit.services.doe_designs",
    "qbdkit.services.operations_records",
]


def load_all() -> None:
    """Import every service module that registers kinds (cheap after the first call)."""
    import importlib

    for module in KIND_MODULES:
        importlib.import_module(module)
