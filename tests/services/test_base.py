from pathlib import Path

import pytest
from pydantic import ValidationError

from qbdkit.services.base import Context, Request, input_file


class Req(Request):
    file: Path = input_file(description="data")
    extra: list[Path] = input_file(default_factory=list)
    maybe: Path | None = input_file(None)
    column: str = "x"


def test_input_fields_and_repointing():
    r = Req(file="a.csv", extra=["b.csv", "c.xlsx"], column="pH")
    assert Req.input_fields() == ["file", "extra", "maybe"]
    assert r.input_files() == {"file": Path("a.csv"), "extra[0]": Path("b.csv"),
                               "extra[1]": Path("c.xlsx")}
    moved = r.with_inputs({"file": Path("/tmp/1"), "extra[1]": Path("/tmp/2")})
    assert moved.file == Path("/tmp/1") and moved.extra == [Path("b.csv"), Path("/tmp/2")]
    assert moved.column == "pH" and r.file == Path("a.csv")


def test_unknown_field_refused():
    with pytest.raises(ValidationError):
        Req(file="a.csv", colum="typo")


def test_progress_clamped():
    seen = []
    Context(progress=lambda f, m: seen.append((f, m))).report(1.5, "done")
    Context().report(0.5)
    assert seen == [(1.0, "done")]
