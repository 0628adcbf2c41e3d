"""Column names as users write them, inside model formulas.

Bioprocess sheets name columns ``yield`` (a Python keyword), ``Titer (g/L)``,
``pH``, ``收率``, ``温度 (°C)``. patsy formulas are Python expressions, so each
column name found in a formula is replaced by a safe identifier (``qv0_``,
``qv1_`` …) before patsy sees it, and term names are mapped back to the user's
names afterwards. Matching is greedy, longest name first, and respects word
boundaries (``x`` does not match inside ``x2``); a name used as a function call
(``C(…)``, ``I(…)``) is left alone. Names may also be quoted with backticks
(`` `Titer (g/L)` ``) or patsy's ``Q("…")``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_SAFE = re.compile(r"(?<![A-Za-z0-9_.])qv(\d+)_(?![A-Za-z0-9_])")


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_."


@dataclass
class NameMap:
    """Bidirectional map between user column names and safe identifiers."""

    columns: list[str]
    safe: dict[str, str] = field(default_factory=dict)  # user → safe
    user: dict[str, str] = field(default_factory=dict)  # safe → user

    @classmethod
    def of(cls, columns: Iterable[str]) -> NameMap:
        cols = [str(c) for c in columns]
        m = cls(cols)
        for i, c in enumerate(cols):
            s = f"qv{i}_"
            m.safe[c] = s
            m.user[s] = c
        return m

    def to_safe(self, formula: str) -> tuple[str, list[str]]:
        """Rewrite ``formula`` with safe names; also return the user names found (in order)."""
        text = re.sub(r"`([^`]*)`", lambda mt: mt.group(1), formula)
        text = re.sub(r"""Q\(\s*(["'])(.*?)\1\s*\)""", lambda mt: mt.group(2), text)
        names = sorted(self.columns, key=len, reverse=True)
        out: list[str] = []
        found: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            hit = None
            for name in names:
                if not name or not text.startswith(name, i):
                    continue
                j = i + len(name)
                if _wordish(name[0]) and i > 0 and _wordish(text[i - 1]):
                    continue
                if _wordish(name[-1]) and j < n and _wordish(text[j]):
                    continue
                rest = text[j:].lstrip()
                if name.isidentifier() and rest.startswith("("):
                    continue  # a function call such as C(...), I(...), np.log(...)
                hit = name
                break
            if hit is None:
                out.append(text[i])
                i += 1
            else:
                out.append(self.safe[hit])
                if hit not in found:
                    found.append(hit)
                i += len(hit)
        return "".join(out), found

    def to_user(self, text: str) -> str:
        """Replace safe identifiers in ``text`` (a term or column name) by user names."""
        return _SAFE.sub(lambda mt: self.user.get(mt.group(0), mt.group(0)), text)
