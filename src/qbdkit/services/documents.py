"""A request from a document file (YAML or JSON): the way a user writes a document-like record
(a change record, a deviation, a stability study …) outside the web forms.

Relative paths in input-file fields are resolved against the document's folder; options given
on the command line (``overrides``; None ignored) replace the file's values; every validation
problem becomes one :class:`~qbdkit.errors.Problem` naming the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qbdkit.errors import Problem, QbdInputError


def validation_error(exc: ValidationError, file: str | None = None) -> QbdInputError:
    """A pydantic error as one input problem per error, naming the field (dotted path)."""
    problems = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or None
        found = err.get("input") if err["type"] != "missing" else None
        if isinstance(found, dict | list):
            found = None
        problems.append(Problem(err["msg"].removeprefix("Value error, "), file, None, loc, None,
                                found))
    return QbdInputError(problems=problems)


def read_document(path: Path) -> dict[str, Any]:
    """The mapping in a YAML/JSON file."""
    import yaml

    from qbdkit.io.tables import read_text

    text, _ = read_text(path)
    try:
        data = (json.loads(text) if Path(path).suffix.lower() == ".json"
                else yaml.safe_load(text)) or {}
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise QbdInputError("not valid YAML/JSON", file=str(path),
                            row=None if mark is None else mark.line + 1) from None
    if not isinstance(data, dict):
        raise QbdInputError("not a document", file=str(path), expected="a mapping of fields")
    return data


def load_request(cls: type, path: Path | None = None, **overrides: Any) -> Any:
    """``cls`` (a :class:`~qbdkit.services.base.Request`) from the document ``path`` and
    ``overrides``."""
    data: dict[str, Any] = {}
    where = None if path is None else str(path)
    if path is not None:
        data = read_document(path)
        base = Path(path).resolve().parent
        for name in cls.input_fields():
            value = data.get(name)
            if isinstance(value, str):
                data[name] = str(base / value)
            elif isinstance(value, list):
                data[name] = [str(base / str(v)) for v in value]
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return cls(**data)
    except ValidationError as exc:
        raise validation_error(exc, where) from None
