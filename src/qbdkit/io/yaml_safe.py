"""YAML for untrusted files: PyYAML's safe loader with budgets that hostile input cannot exceed.

PyYAML's ``SafeLoader`` builds no arbitrary Python objects, but it still lets a small
file exhaust the machine: nested aliases (a "billion laughs" ``process.yaml`` of 12 KB
expands to 10⁹ nodes), a recursive alias (``a: &a [*a]``), deep nesting (``[[[[…`` ten
thousand deep ends in ``RecursionError``), a 5 000-digit integer (``ValueError`` from
Python's integer-conversion limit). :class:`BoundedLoader` refuses each of them as a
:class:`yaml.MarkedYAMLError` with the line it found it on:

* at most :data:`MAX_ALIASES` aliases (``*name``) per document;
* at most :data:`MAX_DEPTH` levels of nesting;
* at most :data:`MAX_NODES` nodes, counted with every alias expanded (so the data the
  rest of qbdkit walks is bounded too) — a recursive alias is refused outright;
* :class:`FiniteLoader` (used by :func:`load_yaml`) also refuses non-finite numbers:
  ``.inf``, ``.nan`` and floats beyond float range (``1.0e+999``);
* files larger than :data:`MAX_YAML_BYTES` are refused before parsing (a project,
  factors or scale file is a few kilobytes to a few hundred; the pure-Python parser
  needs about a second per megabyte and per 50 000 values on an idle core).

:func:`load_yaml` returns the data or raises :class:`~qbdkit.errors.QbdInputError`
naming file and line. Hand-written (no library offers these budgets for PyYAML); the
budgets are generous for real documents: the largest shipped template has 1 512 nodes,
7 levels and no alias (a large real project perhaps 5 000 nodes).
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from qbdkit.errors import QbdInputError
from qbdkit.io.files import max_file_bytes, size_text

MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_NODES = 20_000
MAX_YAML_BYTES = 2_000_000

class YamlLimitError(yaml.MarkedYAMLError):
    """A budget of :class:`BoundedLoader` was exceeded (a ``MarkedYAMLError``: has a line)."""

class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with alias, depth and node budgets."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._nodes = 0

    # -- composing (events → node graph) ---------------------------------------------------
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(None, None, f"more than {MAX_ALIASES} aliases (*name)",
                                     self.peek_event().start_mark)
            return super().compose_node(parent, index)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlLimitError(None, None, f"more than {MAX_NODES} values",
                                 self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLimitError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                     self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            check_expansion(node)
        return node

    # -- constructing (node graph → Python data) --------------------------------------------
    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise ConstructorError(None, None, f"cannot read value ({exc})".splitlines()[0],
                                   node.start_mark) from None

class FiniteLoader(BoundedLoader):
    """:class:`BoundedLoader` that also refuses non-finite floats (``.inf``, ``.nan``,
    ``1.0e+999``) where they are written, with their line (used by :func:`load_yaml`; the
    project-folder reader keeps them and lets the schema name the field instead)."""

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise ConstructorError(None, None,
                                   f"not a finite number: {node.value!r} (write a number within "
                                   "±1.8e308; leave a limit out rather than writing .inf)",
                                   node.start_mark)
        return value

FiniteLoader.add_constructor("tag:yaml.org,2002:float", FiniteLoader.construct_yaml_float)

def check_expansion(root: Any) -> int:
    """Count the nodes of ``root`` with every alias expanded; raise :class:`YamlLimitError`
    beyond :data:`MAX_NODES` or on a recursive alias. Returns the count."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: Any, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise YamlLimitError(None, None, "recursive alias (a value that contains itself)",
                                 node.start_mark)
        if depth > MAX_DEPTH:
            raise YamlLimitError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                 node.start_mark)
        total = 1
        if isinstance(node, yaml.CollectionNode):
            on_path.add(key)
            children = (node.value if isinstance(node, yaml.SequenceNode)
                        else [n for pair in node.value for n in pair])
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_NODES:
                    raise YamlLimitError(None, None,
                                         f"more than {MAX_NODES} values once aliases are expanded",
                                         node.start_mark)
            on_path.discard(key)
        sizes[key] = total
        return total

    return size(root, 0)

def yaml_too_large(text: str, file: str) -> QbdInputError | None:
    """An error if ``text`` is beyond the YAML size limit, else ``None``."""
    limit = min(MAX_YAML_BYTES, max_file_bytes())
    n = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > limit else len(text)
    if n > limit:
        return QbdInputError("YAML file too large", file=file,
                             expected=f"at most {size_text(limit)}", found=size_text(n))
    return None

def mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return None if mark is None else mark.line + 1

def error_text(exc: yaml.YAMLError) -> str:
    """One line describing a YAML error (without PyYAML's multi-line excerpt)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        return what or "malformed YAML"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document from untrusted ``text`` with :class:`FiniteLoader`.

    Raises :class:`QbdInputError` (file, line) for malformed YAML or an exceeded budget.
    """
    err = yaml_too_large(text, file)
    if err is not None:
        raise err
    loader: FiniteLoader | None = None
    try:
        loader = FiniteLoader(text)  # the reader refuses control characters here already
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise QbdInputError(f"not valid YAML: {error_text(exc)}", file=file,
                            row=mark_line(exc), expected="valid YAML") from None
    except RecursionError:  # cannot happen within the depth budget; never a traceback
        raise QbdInputError("not valid YAML: nested too deeply", file=file,
                            expected="valid YAML") from None
    finally:
        if loader is not None:
            loader.dispose()
