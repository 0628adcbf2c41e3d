"""Modality templates: YAML data for mAb, ADC, CAR-T (immune cell), AAV, adenovirus vector,
lentiviral vector and mRNA-LNP projects.

Each template is a project document in the :mod:`qbdkit.model` schema (QTPP —
quality target product profile; QA — quality attribute; CQA — critical QA;
NOR / PAR — normal operating / proven acceptable range): unit operations in
order with their parameters (units, typical ranges), quality attributes with
their release tests (``method``) and acceptance criteria per stage, and
materials. Every numeric limit carries its ``source`` — a seed document in
``/work/shared/seeds`` ([G]), the A-Mab case study ([A]), the literature ([L])
— and values that are typical industry practice only are flagged
``typical: true`` ("typical, confirm"): editable defaults, never enforced.
English and Chinese labels are both kept; ``qbdkit init --lang`` only chooses
which one a project shows.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from qbdkit.errors import Problem, QbdInputError
from qbdkit.model.schema import Project

#: modality → template file (in this package)
TEMPLATES: dict[str, str] = {
    "mab": "mab.yaml",
    "adc": "adc.yaml",
    "car-t": "car_t.yaml",
    "aav": "aav.yaml",
    "adenovirus": "adenovirus.yaml",
    "lentivirus": "lentivirus.yaml",
    "mrna-lnp": "mrna_lnp.yaml",
}


def available() -> list[str]:
    """Modalities whose template file is present."""
    return [m for m, f in TEMPLATES.items() if resources.files(__name__).joinpath(f).is_file()]


def template_text(modality: str) -> str:
    if modality not in TEMPLATES:
        raise QbdInputError("unknown modality", column="--modality",
                            expected="one of " + ", ".join(TEMPLATES), found=modality)
    res = resources.files(__name__).joinpath(TEMPLATES[modality])
    if not res.is_file():
        raise QbdInputError("no template for this modality yet", column="--modality",
                            expected="one of " + ", ".join(available()), found=modality)
    return res.read_text(encoding="utf-8")


def load_template(modality: str) -> Project:
    """The template for ``modality`` as a :class:`Project` (checked like a project folder).

    Returns a fresh deep copy each call; the parsed template is cached.
    """
    return _load_template(modality).model_copy(deep=True)


@functools.cache
def _load_template(modality: str) -> Project:
    from qbdkit.model.folder import _locate, assemble, parse_yaml

    name = f"qbdkit/templates/{TEMPLATES.get(modality, modality)}"
    problems: list[Problem] = []
    doc = parse_yaml(template_text(modality), name, problems)
    if doc is None or not isinstance(doc.data, dict):
        raise QbdInputError(problems=problems or [Problem("template is not a mapping", name)])
    project, issues, _, _ = assemble(doc.data)
    keys = {str(k): doc for k in doc.data}
    problems += [_locate(i, doc.data, keys, {}, lambda rel: rel) for i in issues]
    if problems or project is None:
        raise QbdInputError(problems=problems)
    return project


def new_project(modality: str, *, name: str | None = None, lang: str = "en") -> Project:
    """A new project from the ``modality`` template, named ``name``, showing ``lang`` labels."""
    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="--lang", expected="zh or en", found=lang)
    template = load_template(modality)
    default = {"en": f"new {modality} project", "zh": f"新{template.product.label.zh or modality}项目"}
    label = template.label
    if not getattr(label, lang):
        label = label.model_copy(update={lang: default[lang]})
    return template.model_copy(update={
        "name": name or default[lang],
        "label": label,
        "language": lang,
        "template": modality,
    })


def init_project(directory: str | Path, modality: str, *, name: str | None = None,
                 lang: str = "en") -> list[Path]:
    """Create a project folder from a template; refuse a folder that is not empty.

    The project's name (its identifier in the store: ``qbdkit export NAME``,
    ``--project NAME``) defaults to the folder's name; the labels stay bilingual.
    """
    from qbdkit.model.folder import save_project

    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise QbdInputError("not a folder", file=str(directory),
                            expected="a new or empty folder", found="a file")
    if d.is_dir() and any(d.iterdir()):
        n = sum(1 for _ in d.iterdir())
        raise QbdInputError("folder is not empty", file=str(directory),
                            expected="a new or empty folder", found=f"{n} entries")
    project = new_project(modality, name=name or d.resolve().name, lang=lang)
    return save_project(project, d)
