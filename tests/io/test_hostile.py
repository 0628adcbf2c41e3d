"""Hostile input to the readers: links, devices, size and cell limits, undecodable bytes,
non-finite numbers, YAML bombs — each one input error naming file, row and column (issue 11)."""

from __future__ import annotations

import io
import os
import time
import zipfile

import openpyxl
import pandas as pd
import pytest

from qbdkit.core.numbers import parse_number
from qbdkit.errors import QbdInputError
from qbdkit.io import decode_bytes, read_table
from qbdkit.io.files import max_file_bytes, read_bytes
from qbdkit.io.yaml_safe import MAX_ALIASES, MAX_DEPTH, MAX_NODES, load_yaml

FMEA = "id,step,failure_mode,effect,cause,severity,occurrence,detection\n"


def one(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


# ------------------------------------------------------------------ opening files
def test_links_devices_folders_and_fifos_are_refused(tmp_path):
    good = tmp_path / "t.csv"
    good.write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(good)
    with pytest.raises(QbdInputError) as exc:
        read_table(tmp_path / "link.csv")
    assert "symbolic link refused" in one(exc) and str(tmp_path / "link.csv") in one(exc)
    with pytest.raises(QbdInputError, match="not a regular file"):
        read_bytes("/dev/zero")
    with pytest.raises(QbdInputError, match="is a directory"):
        read_table(tmp_path)
    os.mkfifo(tmp_path / "pipe.csv")
    start = time.perf_counter()
    with pytest.raises(QbdInputError, match="not a regular file"):
        read_table(tmp_path / "pipe.csv")  # never blocks waiting for a writer
    assert time.perf_counter() - start < 5
    with pytest.raises(QbdInputError, match="file not found"):
        read_table(tmp_path / "none.csv")


def test_file_size_limit_is_configurable(tmp_path, monkeypatch):
    assert max_file_bytes() == 200_000_000
    p = tmp_path / "t.csv"
    p.write_text("a,b\n" + "1,2\n" * 1000, encoding="utf-8")
    monkeypatch.setenv("QBDKIT_MAX_FILE_MB", "0.001")
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert one(exc) == (f"{p}: file too large: expected at most 1000 bytes (set "
                        "QBDKIT_MAX_FILE_MB to change), found '4004 bytes'")
    monkeypatch.setenv("QBDKIT_MAX_FILE_MB", "lots")
    with pytest.raises(QbdInputError, match="QBDKIT_MAX_FILE_MB"):
        read_table(p)


def test_cell_and_column_limits(tmp_path, monkeypatch):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n" + "1,2\n" * 30, encoding="utf-8")
    monkeypatch.setenv("QBDKIT_MAX_CELLS", "50")
    with pytest.raises(QbdInputError, match="table too large: expected at most 50 cells"):
        read_table(p)
    monkeypatch.delenv("QBDKIT_MAX_CELLS")
    assert len(read_table(p).frame) == 30
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(16385)) + "\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as exc:
        read_table(wide)
    assert one(exc) == f"{wide}:1: too many columns: expected at most 16384, found 16385"


# ------------------------------------------------------------------ text
def test_an_invalid_byte_after_a_bom_names_the_line():
    data = b"\xef\xbb\xbfa,b\n1,2\n3,\xff4\n"
    with pytest.raises(QbdInputError) as exc:
        decode_bytes(data, "f.csv")
    assert one(exc) == ("f.csv:3: cannot decode file: byte 3 of the line is not UTF-8: "
                        "expected UTF-8 text throughout (the file starts with a UTF-8 "
                        "byte-order mark), found 'byte 0xff'")
    assert decode_bytes("批号\n".encode("gb18030"), "g.csv") == ("批号\n", "gb18030")


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "-Infinity", "1e999", "-1E+309",
                                  "1" + "0" * 400])
def test_non_finite_numbers_are_input_errors(tmp_path, cell):
    p = tmp_path / "t.csv"
    p.write_text(f"name,value\nA,1.5\nB,{cell}\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    shown = cell if len(cell) <= 40 else f"{cell[:20]}…({len(cell)} characters)"
    assert one(exc) == (f"{p}:3: value: not a finite number: expected a number within "
                        f"±1e50, found {shown!r}")


@pytest.mark.parametrize("cell", ["1e51", "-2.5e200", "-7E+60"])
def test_magnitudes_no_analysis_can_take_are_input_errors(tmp_path, cell):
    p = tmp_path / "t.csv"
    p.write_text(f"name,value\nA,1.5\nB,{cell}\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert one(exc) == (f"{p}:3: value: number out of range: expected a number within "
                        f"±1e50, found {cell!r}")
    p.write_text("name,value\nA,1e50\nB,-1e-320\nC,0\n", encoding="utf-8")
    assert read_table(p).frame["value"].tolist() == [1e50, -1e-320, 0.0]
    with pytest.raises(ValueError, match="out of range"):
        parse_number(cell)


def test_non_finite_cells_of_a_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["name", "value"])
    wb.active.append(["A", 123456789])
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / "t.xlsx"
    p.write_bytes(_patch(buf.getvalue(), "<v>123456789</v>", "<v>1e999</v>"))
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert one(exc) == (f"{p}:2: value: not a finite number: expected a number within "
                        "±1e50, found 'inf'")


@pytest.mark.parametrize("text", ["inf", "-Infinity", "1e999", "NaN", "１e９９９"])
def test_parse_number_refuses_non_finite_text(text):
    with pytest.raises(ValueError):
        parse_number(text)
    with pytest.raises(ValueError, match="finite"):
        parse_number(10**400)


def test_a_duplicate_header_is_refused_not_renamed(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("name,value,value\nA,1,2\n", encoding="utf-8")
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert one(exc) == f"{p}:1: value: duplicate column: expected each header once"


# ------------------------------------------------------------------ workbooks
def _patch(data: bytes, old: str, new: str, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = body.replace(old.encode(), new.encode())
            dst.writestr(info.filename, body)
    return out.getvalue()


def _workbook(tmp_path, patch: tuple[str, str] | None = None):
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, 2])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue() if patch is None else _patch(buf.getvalue(), *patch)
    p = tmp_path / "t.xlsx"
    p.write_bytes(data)
    return p


def test_a_far_cell_is_refused_before_pandas_builds_the_grid(tmp_path):
    p = _workbook(tmp_path, ("</sheetData>",
                             '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))
    start = time.perf_counter()
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert time.perf_counter() - start < 10
    assert one(exc) == (f"{p}: table too large: expected at most 10000000 cells (set "
                        "QBDKIT_MAX_CELLS to change), found '1048576 rows × 16384 columns'")


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    p = _workbook(tmp_path, ("<worksheet ", "<worksheet " + " " * 3_000_000))
    assert p.stat().st_size < 100_000
    monkeypatch.setenv("QBDKIT_MAX_FILE_MB", "1")
    with pytest.raises(QbdInputError, match="workbook too large when unpacked"):
        read_table(p)


def test_xml_entities_in_a_workbook_are_refused(tmp_path):
    bomb = ("<!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;"
            "&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><worksheet ")
    p = _workbook(tmp_path, ("<worksheet ", bomb))
    with pytest.raises(QbdInputError) as exc:
        read_table(p)
    assert "XML entity declarations are refused" in one(exc)


# ------------------------------------------------------------------ YAML
def test_nested_aliases_are_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    with pytest.raises(QbdInputError) as exc:
        load_yaml("\n".join(lines), "p.yaml")
    assert time.perf_counter() - start < 2
    assert one(exc).startswith(f"p.yaml:5: not valid YAML: more than {MAX_NODES} values once "
                               "aliases are expanded")


@pytest.mark.parametrize("text, message", [
    ("a: &a [*a]\n", "p.yaml:1: not valid YAML: recursive alias"),
    ("x: &x 1\ny: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n",
     f"p.yaml:2: not valid YAML: more than {MAX_ALIASES} aliases"),
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n",
     f"p.yaml:1: not valid YAML: nested more than {MAX_DEPTH} levels deep"),
    ("- " * 5000 + "x\n", f"p.yaml:1: not valid YAML: nested more than {MAX_DEPTH} levels"),
    ("a: .inf\n", "p.yaml:1: not valid YAML: not a finite number: '.inf'"),
    ("a: 1.0e+999\n", "p.yaml:1: not valid YAML: not a finite number: '1.0e+999'"),
    ("a: " + "9" * 5000 + "\n", "p.yaml:1: not valid YAML: cannot read value (Exceeds the limit"),
    ("a: !!python/object/apply:os.system ['true']\n", "p.yaml:1: not valid YAML: could not "
                                                       "determine a constructor"),
    ("a: 2024-13-45\n", "p.yaml:1: not valid YAML: cannot read value (month must be in 1..12)"),
    ("a: b\x07\n", "p.yaml: not valid YAML: unacceptable character #x0007"),
])
def test_yaml_bombs_and_bad_values(text, message):
    with pytest.raises(QbdInputError) as exc:
        load_yaml(text, "p.yaml")
    assert one(exc).startswith(message), one(exc)


def test_yaml_too_large(monkeypatch):
    with pytest.raises(QbdInputError, match="YAML file too large"):
        load_yaml("a: " + "x" * 2_000_001, "p.yaml")


def test_shipped_yaml_still_loads():
    """Anchors and merge keys within the budgets (the shipped scales use them)."""
    from qbdkit.scales import builtin_scale_ids, load_scale
    from qbdkit.templates import available, load_template

    assert all(load_scale(s) for s in builtin_scale_ids())
    assert all(load_template(m) for m in available())
    assert load_yaml("d: &d {k: 1}\ne: {<<: *d, j: 2}\n", "m.yaml") == {
        "d": {"k": 1}, "e": {"k": 1, "j": 2}}


def test_frames_stay_untouched_by_the_readers(tmp_path):
    """A genuine negative number, a lone '-' and a formula-looking text (quoted by qbdkit)."""
    p = tmp_path / "t.csv"
    p.write_text("name,value\n'=1+1,-3.5\n-,2\n", encoding="utf-8")
    frame = read_table(p).frame
    assert frame["name"].tolist() == ["=1+1", "-"]
    assert frame["value"].tolist() == [-3.5, 2.0]
    assert pd.api.types.is_float_dtype(frame["value"].dtype)
