"""The shape every use case follows: a typed request, a context, a result.

One service function per use case, called alike by the CLI, the web application and the
reports (DESIGN.md, "Shapes to follow")::

    def chart(req: ChartRequest, ctx: Context | None = None) -> ChartResult: ...

* :class:`Request` — a pydantic model of everything the user chose. The CLI parses its
  strings into it, a web route takes it as its body, a stored record keeps its JSON. Input
  files are fields declared with :func:`input_file` (a ``Path``, ``Path | None`` or
  ``list[Path]``): when a result is stored as a record, the framework stores those files'
  bytes and SHA-256 beside the request, and a re-run points the same fields at the stored
  bytes (:meth:`Request.with_inputs`).
* :class:`Context` — who acts (already authenticated by the CLI or web layer), on which
  store, in which language, and a progress callback for long work.

Nothing in ``cli/`` or ``web/`` reads files, pairs columns or calls ``core`` directly: they
build a request and call the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

INPUT_MARK = "qbdkit_input_file"


def input_file(default: Any = ..., **kwargs: Any) -> Any:
    """A request field that names an input file (``Path``, ``Path | None`` or ``list[Path]``).

    ``file: Path = input_file(description="run sheet (CSV/XLSX)")``.
    """
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[INPUT_MARK] = True
    return Field(default, json_schema_extra=extra, **kwargs)


class Request(BaseModel):
    """Base of every use-case request: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def input_fields(cls) -> list[str]:
        """Names of the fields declared with :func:`input_file`, in declaration order."""
        out = []
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get(INPUT_MARK):
                out.append(name)
        return out

    def input_files(self) -> dict[str, Path]:
        """``{"field" or "field[i]": path}`` for every input file given."""
        out: dict[str, Path] = {}
        for name in self.input_fields():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, list | tuple):
                for i, p in enumerate(value):
                    out[f"{name}[{i}]"] = Path(p)
            else:
                out[name] = Path(value)
        return out

    def with_inputs(self, paths: dict[str, Path]) -> Request:
        """A copy whose input-file fields point at ``paths`` (keys as in :meth:`input_files`)."""
        update: dict[str, Any] = {}
        for name in self.input_fields():
            value = getattr(self, name)
            if isinstance(value, list | tuple):
                update[name] = [paths.get(f"{name}[{i}]", Path(p)) for i, p in enumerate(value)]
            elif value is not None and name in paths:
                update[name] = paths[name]
        return self.model_copy(update=update)


ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Context:
    """Who acts, on which store, in which language; how to report progress.

    ``user`` is the already-authenticated acting user (the CLI's sign-in token or the web
    session decides it; Python callers name it). ``url`` None means the configured store
    (``$QBDKIT_DATABASE_URL``, else the embedded SQLite file). ``progress(fraction, message)``
    receives 0…1 for work that can take more than a second.
    """

    user: str | None = None
    url: str | None = None
    lang: str = "en"
    progress: ProgressFn | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self, fraction: float, message: str = "") -> None:
        if self.progress is not None:
            self.progress(max(0.0, min(1.0, float(fraction))), message)
