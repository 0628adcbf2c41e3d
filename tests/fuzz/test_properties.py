"""Property-based fuzzing (hypothesis): random tables and YAML through the readers and the
CLI never crash, hang or leak a non-finite number; spreadsheet output never carries a
live formula and reads back unchanged (issue 11, items 4 and 5)."""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qbdkit.core.numbers import range_problem
from qbdkit.errors import QbdInputError
from qbdkit.io import read_table
from qbdkit.io.sheets import TRIGGERS, guard, needs_guard, to_csv, unguard, write_xlsx
from qbdkit.io.yaml_safe import MAX_NODES, load_yaml

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])

# cells a careless or hostile user writes where numbers belong
HOSTILE = ["inf", "-inf", "Infinity", "1e999", "-1E+309", "1e200", "-3e60", "NaN", "nan", "1" + "0" * 400,
           "9" * 4400, "=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r-1",
           "1,5", "0x1A", "１e９９９", "∞", "", " ", '"', "a\nb", "\x00", "\ufeff"]
FORMULAS = ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r-1", "'=x", "''@y",
            "-", "=", "-1.5e3"]
numbers = st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr)
cells = st.one_of(st.sampled_from(HOSTILE), numbers, st.integers(-10**6, 10**6).map(str),
                  st.text(max_size=8))
headers = st.lists(st.one_of(st.sampled_from(["severity", "严重度", "value", "id", "x", "=x"]),
                             st.text(min_size=1, max_size=6)), min_size=1, max_size=5)


@st.composite
def table_bytes(draw) -> bytes:
    header = draw(headers)
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)),
                         max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t"]))

    def line(values: list[str]) -> str:
        return sep.join('"' + v.replace('"', '""') + '"' if (sep in v or '"' in v or "\n" in v)
                        else v for v in values)

    text = "\n".join(line(r) for r in [header, *rows]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    data = text.encode(encoding, errors="replace")
    if data and draw(st.booleans()):  # a stray byte somewhere
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0x80, 0xFF))]) + data[i:]
    return data


def _finite_or_text(frame: pd.DataFrame) -> None:
    """Every number a reader hands on is one the analyses can take."""
    for j in range(frame.shape[1]):
        for v in frame.iloc[:, j]:
            if isinstance(v, float) and not math.isnan(v):
                assert range_problem(v) is None, v
            if isinstance(v, int) and not isinstance(v, bool):
                assert abs(v) <= 1e50


@SETTINGS
@given(data=table_bytes())
def test_random_tables_are_read_or_refused(data, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    try:
        table = read_table(path)
    except QbdInputError as exc:
        assert str(exc).strip()
        return
    _finite_or_text(table.frame)


@SETTINGS
@given(data=table_bytes(), command=st.sampled_from([
    ("risk", "fmea"), ("risk", "cqa"), ("risk", "ce"), ("mvda", "pca"),
    ("doe", "analyze", "-r", "value"), ("sdm", "compare", "--small-scale")]))
def test_random_tables_through_the_cli(data, command, cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    args = [*command, path] if command[-1] != "--small-scale" else ["sdm", "compare",
                                                                    "--at-scale", path,
                                                                    "--small-scale", path]
    start = time.perf_counter()
    r = cli(*args)
    assert time.perf_counter() - start < 10
    assert r.code in (0, 2), r.err
    assert "Traceback" not in r.err + r.out
    if r.code == 2:
        assert any(line.startswith("error: ") for line in r.err.splitlines())


# ------------------------------------------------------------------ YAML
names = st.sampled_from(["a", "b", "c", "name", "low", "high", "<<"])
scalars = st.sampled_from(["1", "-2.5", ".inf", ".nan", "1.0e+999", "1e999", "x", "'q'", "~",
                           "9" * 5000, "!!python/name:os.system", "!!int z", "2024-13-45",
                           "\x07", "[", "{", "*undefined"])


@st.composite
def yaml_texts(draw, depth: int = 0) -> str:
    """YAML in flow style with anchors and aliases placed at random (often nested)."""
    anchors: list[str] = []

    def node(d: int) -> str:
        kind = draw(st.sampled_from(["scalar", "seq", "map", "alias", "anchor"]))
        if d > 6 or kind == "scalar":
            return draw(scalars)
        if kind == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if kind == "anchor":
            name = f"n{len(anchors)}"
            anchors.append(name)
            body = node(d + 1)
            return f"&{name} [{body}, {body}]"
        items = draw(st.integers(0, 4))
        if kind == "seq":
            return "[" + ", ".join(node(d + 1) for _ in range(items)) + "]"
        return "{" + ", ".join(f"{draw(names)}: {node(d + 1)}" for _ in range(items)) + "}"

    lines = [f"k{i}: {node(0)}" for i in range(draw(st.integers(1, 6)))]
    if draw(st.booleans()):  # an alias bomb on top: each level doubles the values
        lines += ["b0: &b0 [1, 2]"] + [f"b{i}: &b{i} [*b{i - 1}, *b{i - 1}]"
                                       for i in range(1, draw(st.integers(2, 40)))]
    if draw(st.booleans()):
        lines.append("deep: " + "[" * draw(st.integers(50, 300)) + "]" * 3)
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=yaml_texts())
def test_random_yaml_is_loaded_or_refused_quickly(text):
    start = time.perf_counter()
    try:
        data = load_yaml(text, "f.yaml")
    except QbdInputError as exc:
        assert str(exc).startswith("f.yaml")
        return
    finally:
        assert time.perf_counter() - start < 5

    def count(x, seen=()) -> int:
        if isinstance(x, dict):
            return 1 + sum(count(k) + count(v) for k, v in x.items())
        if isinstance(x, list):
            return 1 + sum(count(v) for v in x)
        assert not (isinstance(x, float) and not math.isfinite(x))
        return 1

    assert count(data) <= 2 * MAX_NODES + 1


@SETTINGS
@given(text=yaml_texts())
def test_random_yaml_in_a_project_folder_never_raises(text, tmp_path):
    from qbdkit.model import check_folder

    (tmp_path / "project.yaml").write_text("name: p\nproduct: {name: x, modality: mab}\n",
                                           encoding="utf-8")
    (tmp_path / "process.yaml").write_text(text, encoding="utf-8")
    result = check_folder(tmp_path)
    assert isinstance(result.problems, list)


# ------------------------------------------------------------------ formula injection
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}


@given(texts)
def test_guard_is_reversible_and_leaves_no_formula(text):
    guarded = guard(text)
    assert unguard(guarded) == text
    if len(guarded) > 1 and guarded[0] in TRIGGERS:  # only plain numbers stay bare
        float(guarded.replace(",", ""))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FORMULAS), texts), min_size=1, max_size=8))
def test_csv_written_by_qbdkit_reads_back_unchanged(values):
    values = [v for v in values if v.strip() and v.strip() not in PANDAS_NA
              and "\x00" not in v and "\r" not in v and "\ufeff" not in v]
    assume(values)
    frame = pd.DataFrame({"text": values, "number": [-1.5] * len(values)})
    for row in csv.reader(io.StringIO(to_csv(frame), newline="")):
        for cell in row:  # what a spreadsheet sees: never a formula
            assert not (len(cell) > 1 and cell[0] in TRIGGERS and needs_guard(cell)), cell
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.csv"
        to_csv(frame, p)
        back = read_table(p, dtype_str=True).frame
        assert back["text"].tolist() == values
        assert read_table(p).frame["number"].tolist() == [-1.5] * len(values)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FORMULAS), texts), min_size=1, max_size=8))
def test_xlsx_written_by_qbdkit_has_no_formula(values):
    import tempfile

    frame = pd.DataFrame({"=header": values, "n": [-2.0] * len(values)})
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.xlsx"
        write_xlsx(p, {"s": frame})
        ws = openpyxl.load_workbook(p)["s"]
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (c.coordinate, c.value)
                if isinstance(c.value, str) and needs_guard(c.value):
                    assert c.quotePrefix
        assert ws["A1"].value == "=header" and ws["A1"].data_type == "s"
        assert [ws.cell(row=i + 2, column=2).value for i in range(len(values))] == [-2.0] * len(
            values)


@pytest.mark.parametrize("value", ["-3", "+1.5e3", "-1,234.5", "-", "=", "12"])
def test_plain_numbers_and_single_characters_stay_bare(value):
    assert guard(value) == value
