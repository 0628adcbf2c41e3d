"""The one error type for bad input.

Every input problem (a malformed file, a value off its scale, a missing column)
raises :class:`QbdInputError`, which names the file, the row (1-based line or
spreadsheet row as the user sees it), the column or field, what was expected and
what was found. The CLI prints ``str(error)`` as one line on stderr and exits 2.
Anything else escaping to the CLI is a bug (exit 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One input problem, rendered ``file:row: column: message``."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    found: object = None

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """The problem as one line, its fixed words in ``lang`` (zh-CN or en; the file, row,
        column and the values found stay as they are)."""
        from qbdkit.i18n import t

        where = ""
        if self.file:
            where = str(self.file)
            if self.row is not None:
                where += f":{self.row}"
            where += ": "
        elif self.row is not None:
            where = f"row {self.row}: "
        col = f"{self.column}: " if self.column else ""
        text = t(self.message, lang, "cli") if self.message else ""
        expected, found = t("expected", lang, "cli"), t("found", lang, "cli")
        if self.expected is not None:
            exp = t(str(self.expected), lang, "cli")
            text = f"{text}: {expected} {exp}" if text else f"{expected} {exp}"
            if self.found is not None:
                shown = repr(self.found) if isinstance(self.found, str) else self.found
                text += f", {found} {shown}"
        return f"{where}{col}{text}".replace("\n", " ")

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "expected": self.expected,
            "found": None if self.found is None else str(self.found),
        }


class QbdInputError(ValueError):
    """Bad input: names file, row, column/field, expected and found.

    ``QbdInputError("not a number", file="a.csv", row=3, column="pH",
    expected="a number", found="abc")`` renders as
    ``a.csv:3: pH: not a number: expected a number, found 'abc'``.

    Several problems can be carried at once (``problems``); ``str()`` then
    gives one line per problem.
    """

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: object = None,
        problems: Iterable[Problem] | None = None,
    ) -> None:
        if problems is not None:
            self.problems = list(problems)
        else:
            self.problems = [Problem(message, file, row, column, expected, found)]
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def to_dict(self) -> dict:
        return {"problems": [p.to_dict() for p in self.problems]}


class NotFound(QbdInputError):
    """A named thing (project, record, version, user) does not exist. CLI exit 2, web 404."""


class PermissionDenied(QbdInputError):
    """The acting user's role or state does not allow the action. CLI exit 2, web 403."""


class Conflict(QbdInputError):
    """The action conflicts with the stored state (someone saved first, wrong lifecycle
    state, already exists). CLI exit 2, web 409."""


class AuthenticationRequired(QbdInputError):
    """No valid sign-in (missing, expired or forged token). CLI exit 2, web 401."""
