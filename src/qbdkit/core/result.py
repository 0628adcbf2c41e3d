"""Base for immutable result objects.

Every core function returns a frozen dataclass that derives from :class:`Result`:
``to_dict()`` gives plain JSON-able Python (numpy scalars and arrays converted,
NaN/inf → ``None``), ``to_json()`` the JSON text, and ``summary()`` a readable
plain-text table. The CLI's ``--json``, the API and the reports render this one
object, so each number is computed in one place.

The base also gives every result

* a short ``repr`` (class name and a few scalar fields, shapes of arrays/tables) —
  set on each subclass unless the subclass writes its own ``__repr__``;
* ``_repr_html_`` for Jupyter (the summary, escaped, in ``<pre>``; a result with a
  table adds ``to_frame()`` as an HTML table);
* ``to_frame()`` for tabular results: the field named by the class attribute
  ``_frame_field`` (a DataFrame, or a sequence of rows/results) as a DataFrame;
* ``from_dict(d)``, the inverse of ``to_dict()``, driven by the field annotations:
  nested results, ``tuple``/``list``/``dict`` of them, ``np.ndarray`` (``None`` →
  NaN), ``pd.DataFrame`` (list of records), ``float`` (``None`` → NaN). A result
  whose ``to_dict()`` is not its fields one to one overrides ``from_dict``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import sys
import types
import typing
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# numpy and pandas are not imported here (a light command such as ``qbdkit risk ap`` must
# not pay for them): a value can only be a numpy/pandas object once its library has been
# imported, so the checks below look the library up in ``sys.modules``.


def _np() -> Any:
    return sys.modules.get("numpy")


def _pd() -> Any:
    return sys.modules.get("pandas")


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas values, dataclasses and containers to JSON-able Python."""
    if isinstance(value, Result):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if (math.isnan(value) or math.isinf(value)) else float(value)
    np = _np()
    if np is not None:
        if isinstance(value, np.ndarray):
            return [to_jsonable(v) for v in value.tolist()]
        pd = _pd()
        if pd is not None:
            if isinstance(value, pd.DataFrame):
                return [to_jsonable(r) for r in value.to_dict(orient="records")]
            if isinstance(value, pd.Series):
                return {str(k): to_jsonable(v) for k, v in value.items()}
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            f = float(value)
            return None if (math.isnan(f) or math.isinf(f)) else f
        if pd is not None:
            if value is pd.NA or value is pd.NaT:
                return None
            if isinstance(value, pd.Timestamp):
                return value.isoformat()
    return value


R = TypeVar("R", bound="Result")


class Result:
    """Mixin for frozen dataclass results: ``to_dict``, ``from_dict``, ``to_json``,
    ``summary``, ``to_frame``, a short ``repr`` and ``_repr_html_`` (module docstring)."""

    #: name of the field that :meth:`to_frame` returns as a DataFrame (None: not tabular)
    _frame_field: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # @dataclass adds its long field-by-field __repr__ unless the class body has one;
        # putting the short one in the class body first keeps it (dataclasses never overwrite)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Result.__repr__  # type: ignore[method-assign]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        )

    @classmethod
    def from_dict(cls: type[R], d: dict[str, Any]) -> R:
        """Rebuild the result from :meth:`to_dict` output (see the module docstring)."""
        return from_jsonable(cls, d)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def summary(self) -> str:  # pragma: no cover - overridden by most results
        lines = [type(self).__name__]
        for key, val in self.to_dict().items():
            lines.append(f"  {key}: {val}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The result's table as a DataFrame (tabular results only)."""
        name = type(self)._frame_field
        if name is None:
            raise TypeError(f"{type(self).__name__} is not tabular: use to_dict() or summary()")
        return as_frame(getattr(self, name))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        out = f"<pre>{html.escape(str(self.summary()))}</pre>"
        return out


def as_frame(value: Any) -> pd.DataFrame:
    """A DataFrame of a table-like value: a DataFrame, or rows (dicts or results)."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value.copy()
    rows = [v.to_dict() if isinstance(v, Result) else v for v in value]
    return pd.DataFrame(rows)


def _brief(value: Any) -> str | None:
    np, pd = _np(), _pd()
    if isinstance(value, bool) or (np is not None and isinstance(value, np.bool_)):
        return str(bool(value))
    if isinstance(value, int) or (np is not None and isinstance(value, np.integer)):
        return str(int(value))
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        return format(float(value), ".4g")
    if isinstance(value, str):
        return repr(value if len(value) <= 30 else value[:27] + "…")
    if np is not None and isinstance(value, np.ndarray):
        return "array" + "×".join(str(s) for s in value.shape).join("()")
    if pd is not None and isinstance(value, pd.DataFrame):
        return f"DataFrame({value.shape[0]}×{value.shape[1]})"
    if isinstance(value, list | tuple) and not (value and isinstance(value[0], list | tuple | dict)):
        return f"[{len(value)}]"
    if isinstance(value, list | tuple):
        return f"[{len(value)}]"
    return None


def short_repr(obj: Any, limit: int = 100) -> str:
    """``Name(field=value, …)`` with scalars and sizes only, at most ``limit`` characters."""
    parts: list[str] = []
    fields = dataclasses.fields(obj) if dataclasses.is_dataclass(obj) else ()
    for f in fields:
        if f.name.startswith("_") or not f.repr:
            continue
        b = _brief(getattr(obj, f.name, None))
        if b is not None:
            parts.append(f"{f.name}={b}")
    name = type(obj).__name__
    text = f"{name}(" + ", ".join(parts) + ")"
    if len(text) > limit:
        keep: list[str] = []
        for p in parts:
            if len(name) + 2 + len(", ".join([*keep, p])) + 3 > limit:
                break
            keep.append(p)
        text = f"{name}(" + ", ".join([*keep, "…"]) + ")"
    return text


# ----------------------------------------------------------------------------- from_dict
def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # an unresolvable annotation: resolve field by field, else Any
        mod = sys.modules.get(cls.__module__)
        ns = dict(vars(mod)) if mod else {}
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            try:
                out[f.name] = eval(f.type, ns) if isinstance(f.type, str) else f.type
            except Exception:
                out[f.name] = Any
        return out


def from_jsonable(cls: type[R], d: dict[str, Any]) -> R:
    """Build the dataclass ``cls`` from a :func:`to_jsonable` dict by its annotations.

    Fields missing from ``d`` keep their defaults; ``init=False`` fields are left
    to the class. Raises ``TypeError`` when a required field is missing.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name not in d:
            continue
        kwargs[f.name] = _convert(hints.get(f.name, Any), d[f.name])
    return cls(**kwargs)


def _convert(tp: Any, value: Any) -> Any:
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            return _convert(next(a for a in args if a is not type(None)), value)
        options = [a for a in args if a is not type(None)]
        for a in options:  # the first alternative that accepts the value
            try:
                out = _convert(a, value)
            except (TypeError, ValueError, KeyError):
                continue
            if _accepts(a, out):
                return out
        return value
    if origin is ClassVar:
        return value
    if tp is float:
        return math.nan if value is None else float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("not an int")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("not an int")
        return int(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError("not a bool")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise TypeError("not a str")
        return value
    np, pd = _np(), _pd()
    if np is not None and tp is np.ndarray:
        return _array(value)
    if pd is not None and tp is pd.DataFrame:
        return pd.DataFrame(value) if value is not None else pd.DataFrame()
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise TypeError("not a mapping")
        if issubclass(tp, Result):
            return tp.from_dict(value)
        return from_jsonable(tp, value)
    if origin in (tuple, list) or tp in (tuple, list):
        if not isinstance(value, list | tuple):
            raise TypeError("not a sequence")
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            items = [_convert(a, v) for a, v in zip(args, value, strict=True)]
        else:
            item_tp = args[0] if args else Any
            items = [_convert(item_tp, v) for v in value]
        return tuple(items) if (origin is tuple or tp is tuple) else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise TypeError("not a mapping")
        val_tp = args[1] if len(args) == 2 else Any
        return {k: _convert(val_tp, v) for k, v in value.items()}
    return value


def _accepts(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    if origin is float:
        return isinstance(value, float)
    if isinstance(origin, type):
        return isinstance(value, origin)
    return True


def _array(value: Any) -> np.ndarray:
    """A list (nested) from ``to_jsonable`` back to an array; ``None`` → NaN for numbers."""
    import numpy as np

    if value is None:
        return np.array([], dtype=float)
    arr = np.asarray(value, dtype=object)
    flat = [v for v in arr.ravel().tolist()]
    if all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in flat):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in flat) and flat:
            return np.asarray(value, dtype=np.int64)
        return np.asarray([math.nan if v is None else v for v in flat], dtype=float).reshape(arr.shape)
    if all(isinstance(v, bool) for v in flat) and flat:
        return np.asarray(value, dtype=bool)
    return arr


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: East Asian wide/full-width characters count 2."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def format_table(headers: list[str], rows: list[list[Any]], floatfmt: str = ".4g") -> str:
    """Plain-text table for ``summary()`` methods (monospace, right-aligned numbers)."""

    np = _np()
    floats: tuple[type, ...] = (float,) if np is None else (float, np.floating)
    numbers: tuple[type, ...] = (int, float) if np is None else (int, float, np.integer,
                                                                  np.floating)

    def fmt(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, floats):
            if math.isnan(float(v)):
                return "nan"
            return format(float(v), floatfmt)
        return str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    numeric = [[isinstance(v, numbers) and not isinstance(v, bool)
                for v in r] for r in rows]
    widths = [display_width(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], display_width(c))
    out = ["  ".join(_pad(h, w, False) for h, w in zip(headers, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for r, nums in zip(cells, numeric, strict=True):
        out.append("  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, nums, strict=True)))
    return "\n".join(out)
