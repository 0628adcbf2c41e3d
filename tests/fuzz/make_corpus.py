"""Write the fixed fuzz corpus: malformed CSV / XLSX / YAML inputs for every reading command.

Run ``python tests/fuzz/make_corpus.py`` (from the repository root) to regenerate
``tests/data/fuzz/`` — deterministic (fixed seeds, no time stamps), so the test
``test_committed_corpus_is_what_the_script_writes`` can check the committed files.

Layout: ``tests/data/fuzz/<family>/<case>.<ext>`` plus ``manifest.json``. A family names
which commands read the file (see ``tests/fuzz/runner.py``):

==========  =================================================================
fmea …      ``risk fmea`` (also ``--out`` and ``--project``), ``risk ce``, ``risk cqa``,
            ``risk classify``, ``risk study``: one base table each with one cell broken
doe         a filled run sheet: ``doe analyze / design-space / optimize / evaluate /
            augment / predict / reassess``, ``mvda pca / pls``
sdm         ``sdm compare`` (as the at-scale and as the small-scale file)
batch       ``mvda batch``
factors     ``doe design --factors`` (YAML, CSV, XLSX)
scale       ``risk ap / fmea --scale-file`` (YAML)
project     one file of the demo project folder replaced (``<target>__<case>``):
            ``validate``, ``import``, ``doe design --project``
table       garbage whatever the command: every table command above, and as the
            project's batch and measurement files
yaml        garbage YAML: as ``project.yaml`` and ``process.yaml``, factors, scale
==========  =================================================================

Every input is malformed for every command that reads it: the expected outcome is
always exit 2 with one line per problem, in bounded time and memory, store unchanged.
The bases are the bundled demo's files (``src/qbdkit/demo/mab``).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "qbdkit" / "demo" / "mab"
SCALE = ROOT / "src" / "qbdkit" / "scales" / "data" / "aiag-vda.yaml"
OUT = ROOT / "tests" / "data" / "fuzz"

# text where a number is required; every one must be refused
BAD_NUMBERS: dict[str, str] = {
    "inf": "inf", "minus_inf": "-inf", "plus_inf": "+inf", "Infinity": "Infinity",
    "minus_Infinity": "-Infinity", "INF": "INF", "e999": "1e999", "minus_e999": "-1e999",
    "E308x10": "1.8E+309", "digits400": "1" + "0" * 400, "digits5000": "9" * 5000,
    "fullwidth_e999": "\uff11e\uff19\uff19\uff19", "hex": "0x1A", "decimal_comma": "7,5",
    "formula": "=1+1", "at_formula": "@SUM(A1:A9)", "dde": "=cmd|' /C calc'!A0", "word": "abc",
    "two_points": "1.2.3", "double_minus": "--1", "exponent_only": "1e", "infinity_sign": "\u221e",
    "e200": "1e200", "minus_e60": "-1e60",
}
# NaN written as text is "missing" to pandas: an error only where a number is required
NAN_TEXTS = {"NaN": "NaN", "nan_lower": "nan", "NAN": "NAN"}
# YAML scalars where a number is required
BAD_YAML_NUMBERS: dict[str, str] = {
    "dot_inf": ".inf", "minus_dot_inf": "-.inf", "dot_nan": ".nan", "e_plus_999": "1.0e+999",
    "e999_text": "1e999", "Infinity_text": "Infinity", "inf_text": "inf",
    "int400": "1" + "0" * 400, "int5000": "9" * 5000, "float_tag_word": "!!float abc",
    "int_tag_word": "!!int abc", "python_tag": "!!python/object/apply:os.system ['echo pwned']",
    "binary_tag": "!!binary '***'", "bad_timestamp": "2024-13-45", "list": "[1, 2]",
    "mapping": "{a: 1}", "alias_undefined": "*nowhere", "e200": "1.0e+200",
}


def rows_of(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text, newline=""))]


def csv_bytes(rows: list[list[str]], *, bom: bool = True, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n" if encoding == "gb18030" else "\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data


def with_cell(rows: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[row][out[0].index(column)] = value
    return out


XLSX_PLACEHOLDER = 987654321.0


def xlsx_bytes(rows: list[list[object]], *, patch: dict[str | re.Pattern, str] | None = None,
               dimension: str | None = None) -> bytes:
    """A workbook of ``rows`` (numbers stay numbers); ``patch`` replaces text in the sheet XML
    (to write what openpyxl refuses: ``<v>1e999</v>``, entities …)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in rows:
        ws.append([_number_or_text(v) for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return _rezip(buf.getvalue(), patch or {}, dimension)


def _number_or_text(v: object) -> object:
    if isinstance(v, str) and re.fullmatch(r"-?\d{1,15}(\.\d+)?", v):
        return float(v) if "." in v else int(v)
    return v


def zip_bomb(data: bytes, size: int = 250_000_000) -> bytes:
    """``data`` (a workbook) with ``size`` spaces inside the sheet XML's root tag (still valid
    XML; deflated to about a thousandth)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(zi, body)
                continue
            head, tail = body.split(b"<worksheet ", 1)
            with dst.open(zi, "w", force_zip64=True) as fh:
                fh.write(head + b"<worksheet ")
                chunk = b" " * 1_000_000
                for _ in range(size // len(chunk)):
                    fh.write(chunk)
                fh.write(tail)
    return out.getvalue()


def _rezip(data: bytes, patch: dict[str | re.Pattern, str], dimension: str | None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                # canonical XML (C14N 2.0): the bytes no longer depend on the lxml release
                # that serialised them (lxml 6 writes "<a/>" where lxml 5 wrote "<a />")
                body = ET.canonicalize(body.decode("utf-8")).encode("utf-8")
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8")
                for old, new in patch.items():
                    if isinstance(old, re.Pattern):  # a pattern: whatever attributes a cell has
                        text, n = old.subn(new, text, count=1)
                        assert n == 1, f"patch target {old.pattern!r} not in the sheet: {text[-400:]}"
                        continue
                    assert old in text, f"patch target {old!r} not in the sheet: {text[-400:]}"
                    text = text.replace(old, new)
                if dimension is not None:
                    text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', text)
                body = text.encode("utf-8")
            if info.filename == "docProps/core.xml":  # fixed times: a reproducible corpus
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()


class Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[dict[str, object]] = []

    def add(self, family: str, name: str, data: bytes, *, note: str,
            env: dict[str, str] | None = None, skip: list[str] | None = None) -> None:
        path = self.root / family / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        case: dict[str, object] = {"family": family, "file": f"{family}/{name}", "note": note}
        if env:
            case["env"] = env
        if skip:
            case["skip"] = skip
        self.cases.append(case)


# ---------------------------------------------------------------- tables with one bad cell
TABLE_BASES = {
    # family: (base file, row index of the broken cell (1 = first data row), column)
    "fmea": (DEMO / "risk" / "fmea.csv", 1, "严重度"),
    "ce": (DEMO / "risk" / "ce.csv", 2, "Titer (g/L)"),
    "cqa": (DEMO / "risk" / "cqa.csv", 1, "impact"),
    "classify": (DEMO / "risk" / "classify.csv", 1, "cqa_risk"),
    "study": (DEMO / "risk" / "study.csv", 1, "main_effect"),
    "doe": (DEMO / "doe" / "results.csv", 3, "Titer (g/L)"),
    "sdm": (DEMO / "sdm" / "at_scale.csv", 2, "Titer (g/L)"),
    "batch": (DEMO / "sdm" / "trajectories_at_scale.csv", 5, "Titer (g/L)"),
}
# where "NaN" (missing to pandas) is still an error: a required number
NAN_IS_ERROR = {"fmea", "cqa", "study", "classify", "ce"}


def _skip(family: str, value: str) -> list[str] | None:
    """Commands for which the broken cell is legitimately not read: ``doe evaluate`` and
    ``doe augment`` look at the factor columns only and carry response columns through as
    they are (a text the reader turns into a number, such as ``inf``, is refused by the
    reader itself, so those cases still run through them)."""
    import math

    if family != "doe":
        return None
    try:
        if value.isascii() and math.isinf(float(value)):
            return None
    except ValueError:
        pass
    return ["doe evaluate", "doe augment"]


def table_cases(c: Corpus) -> None:
    for family, (base, row, column) in TABLE_BASES.items():
        rows = rows_of(base)
        bad = dict(BAD_NUMBERS)
        if family in NAN_IS_ERROR:
            bad.update(NAN_TEXTS)
        for tag, value in bad.items():
            c.add(family, f"cell_{tag}.csv", csv_bytes(with_cell(rows, row, column, value)),
                  note=f"{column!r} row {row + 1} = {value[:20]!r}", skip=_skip(family, value))
        # the same in a workbook: text cells, and numbers openpyxl would never write
        # (openpyxl writes "=1+1" as a formula without a cached value: a blank cell, which
        # is an error only where a number is required)
        for tag in ("inf", "Infinity", "e999", "digits400", "formula", "word"):
            if tag == "formula" and family not in NAN_IS_ERROR:
                continue
            c.add(family, f"xlsx_text_{tag}.xlsx",
                  xlsx_bytes(with_cell(rows, row, column, BAD_NUMBERS[tag])),
                  note=f"XLSX text cell {column!r} = {BAD_NUMBERS[tag][:20]!r}",
                  skip=_skip(family, BAD_NUMBERS[tag]))
        for tag, xml in (("e999", "1e999"), ("minus_e999", "-1e999"), ("inf", "INF"),
                         ("nan", "NaN")):
            if tag == "nan" and family not in NAN_IS_ERROR:
                continue
            c.add(family, f"xlsx_number_{tag}.xlsx",
                  xlsx_bytes(with_cell(rows, row, column, str(int(XLSX_PLACEHOLDER))),
                             patch={f"<v>{int(XLSX_PLACEHOLDER)}</v>": f"<v>{xml}</v>"}),
                  note=f"XLSX numeric cell {column!r} = {xml}")
        # structure broken around a valid table
        text = csv_bytes(rows)
        lines = text.split(b"\n")
        c.add(family, "invalid_utf8_after_bom.csv",
              b"\n".join([*lines[:2], lines[2].replace(b",", b",\xff\xfe", 1), *lines[3:]]),
              note="UTF-8 BOM, then the bytes 0xFF 0xFE in row 3")
        c.add(family, "invalid_utf8_no_bom.csv",
              b"\n".join([*lines[:2], lines[2] + b"\x80\xff", *lines[3:]])[3:],
              note="no BOM; row 3 ends in bytes that are neither UTF-8 nor GB18030")
        c.add(family, "nul_in_cell.csv",
              csv_bytes(with_cell(rows, row, column, "1\x002")), note="NUL byte in a number",
              skip=_skip(family, "1\x002"))
        c.add(family, "unbalanced_quote.csv",
              b"\n".join([*lines[:2], b'"' + lines[2], *lines[3:]]), note="an open quote")
        c.add(family, "extra_fields.csv",
              b"\n".join([*lines[:2], lines[2] + b",x,y,z", *lines[3:]]),
              note="row 3 has three fields too many")
        c.add(family, "header_only.csv", lines[0] + b"\n", note="header and no data")
        c.add(family, "duplicate_header.csv",
              csv_bytes([[*rows[0], rows[0][-1]]] + [[*r, r[-1]] for r in rows[1:]]),
              note="the last column twice")
        c.add(family, "gb18030_broken.csv",
              csv_bytes(with_cell(rows, row, column, "严重"), bom=False, encoding="gb18030")
              + b"\x81\x20\n", note="GB18030 text with a broken two-byte sequence")
        # limits, lowered for the case (the file itself is ordinary)
        c.add(family, "limit_file_size.csv", text, env={"QBDKIT_MAX_FILE_MB": "0.00005"},
              note="file larger than QBDKIT_MAX_FILE_MB (lowered to 50 bytes)")
        c.add(family, "limit_cells.csv", text, env={"QBDKIT_MAX_CELLS": "20"},
              note="more cells than QBDKIT_MAX_CELLS (lowered to 20)")
        c.add(family, "limit_cells.xlsx", xlsx_bytes(rows), env={"QBDKIT_MAX_CELLS": "20"},
              note="XLSX with more cells than QBDKIT_MAX_CELLS (lowered to 20)")


# ---------------------------------------------------------------- garbage for every reader
def lol_xml(levels: int = 10) -> str:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels)]
    return "<!DOCTYPE worksheet [" + "".join(ents) + "]>"


def generic_table_cases(c: Corpus) -> None:
    rnd = random.Random(20240611)
    fmea = rows_of(DEMO / "risk" / "fmea.csv")
    c.add("table", "empty.csv", b"", note="0 bytes")
    c.add("table", "bom_only.csv", b"\xef\xbb\xbf", note="a UTF-8 BOM and nothing else")
    c.add("table", "blank_lines.csv", b"\n\r\n \n\t\n", note="blank lines only")
    c.add("table", "random_bytes.csv", bytes(rnd.randrange(256) for _ in range(4096)),
          note="4 KB of random bytes")
    c.add("table", "nul_bytes.csv", b"\x00" * 512, note="NUL bytes")
    c.add("table", "utf16.csv", "批号,值\nB1,1\n".encode("utf-16"), note="UTF-16 with BOM")
    c.add("table", "png.csv", b"\x89PNG\r\n\x1a\n" + bytes(rnd.randrange(256) for _ in range(200)),
          note="a PNG image named .csv")
    c.add("table", "zip.csv", xlsx_bytes(fmea), note="an XLSX workbook named .csv")
    c.add("table", "csv_named.xlsx", csv_bytes(fmea), note="CSV text named .xlsx")
    c.add("table", "truncated.xlsx", xlsx_bytes(fmea)[:700], note="a workbook cut short")
    c.add("table", "empty.xlsx", b"", note="0 bytes named .xlsx")
    c.add("table", "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
          note="an old binary .xls")
    c.add("table", "only_sep.csv", b"sep=;\n", note="Excel's separator hint and nothing else")
    c.add("table", "too_many_columns.csv",
          (",".join(f"c{i}" for i in range(20000)) + "\n" + ",".join("1" * 20000) + "\n").encode(),
          note="20 000 columns (Excel stops at 16 384)")
    c.add("table", "quotes_header.csv", ('"' * 40000 + ",a\n1,2\n").encode(),
          note="a header of 40 000 quote characters (quadratic for csv.Sniffer)")
    c.add("table", "ragged.csv", b"a,b\n1\n1,2,3,4,5\n,,,,,,,,\n", note="ragged rows")
    c.add("table", "old_mac_newlines.csv", b"a,b\r1,2\r3,inf\r", note="CR line ends, an inf")
    c.add("table", "header_blank_names.csv", b",,,\n1,2,3,4\n", note="a header without names")
    # workbooks built to exhaust memory
    c.add("table", "zip_bomb.xlsx", zip_bomb(xlsx_bytes(fmea)),
          note="the sheet unpacks to 250 MB (more than the file-size limit)")
    far = xlsx_bytes([["a", "b"], ["1", "2"]],
                     patch={"</sheetData>": '<row r="1048576"><c r="XFD1048576"><v>1</v></c>'
                                            "</row></sheetData>"})
    c.add("table", "far_cell.xlsx", far,
          note="one cell at XFD1048576: pandas would build a 17-billion-cell grid")
    c.add("table", "dimension_lies.xlsx",
          xlsx_bytes([["a", "b"], ["1", "inf"]], dimension="A1:XFD1048576"),
          note="declared dimension A1:XFD1048576, an inf text")
    c.add("table", "xml_entities.xlsx",
          xlsx_bytes([["a", "b"], ["1", "2"]],
                     patch={"<worksheet ": lol_xml() + "<worksheet ",
                            "<v>1</v>": "<v>&lol9;</v>"}),
          note="a billion-laughs entity in the sheet XML")
    c.add("table", "xml_external_entity.xlsx",
          xlsx_bytes([["a", "b"], ["1", "2"]],
                     patch={"<worksheet ": '<!DOCTYPE worksheet [<!ENTITY x SYSTEM '
                                           '"file:///etc/passwd">]><worksheet ',
                            "<v>1</v>": "<v>&x;</v>"}),
          note="an external entity (file:///etc/passwd) in the sheet XML")
    c.add("table", "xml_broken.xlsx",
          xlsx_bytes([["a", "b"], ["1", "2"]], patch={"</sheetData>": "<row><c>"}),
          note="unclosed XML elements in the sheet")
    c.add("table", "shared_string_out_of_range.xlsx",
          xlsx_bytes([["a", "b"], ["x", "2"]], patch={re.compile(r'<c r="B2"[^>]*>.*?</c>'): '<c r="B2" t="s"><v>99999</v></c>'}),
          note="a shared-string index beyond the table")


# ---------------------------------------------------------------- YAML
def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    lines.append("name: *i")
    return "\n".join(lines) + "\n"


def generic_yaml_cases(c: Corpus) -> None:
    cases: dict[str, tuple[bytes, str]] = {
        "billion_laughs.yaml": (billion_laughs().encode(),
                                "nested aliases: 72 aliases expanding to 9^9 values"),
        "many_aliases.yaml": (("x: &x 1\nname: [" + ", ".join(["*x"] * 300) + "]\n").encode(),
                              "300 aliases"),
        "recursive_alias.yaml": (b"name: &a [*a]\n", "an alias inside its own anchor"),
        "recursive_mapping.yaml": (b"name: &a {self: *a}\n", "a mapping containing itself"),
        "merge_bomb.yaml": (("a0: &a0 {k: 1}\n" + "".join(
            f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: 1}}\n" for i in range(1, 40))
            + "name: *a39\n").encode(), "merge keys doubling 39 times"),
        "deep_flow.yaml": (b"name: " + b"[" * 10000 + b"]" * 10000 + b"\n",
                           "10 000 nested flow sequences"),
        "deep_flow_mappings.yaml": (b"name: " + b"{a: " * 5000 + b"1" + b"}" * 5000 + b"\n",
                                    "5 000 nested flow mappings"),
        "deep_block.yaml": (b"- " * 10000 + b"x\n", "10 000 nested block sequences (- - - …)"),
        "deep_block_mappings.yaml": ("".join(" " * i + "a:\n" for i in range(300)).encode(),
                                     "300 nested block mappings"),
        "python_object.yaml": (b"name: !!python/object/apply:os.system ['echo pwned']\n",
                               "a Python object tag"),
        "python_name.yaml": (b"!!python/name:os.system\n", "a Python name tag"),
        "invalid_utf8_after_bom.yaml": (b"\xef\xbb\xbfname: abc\nlabel: \xff\xfe\n",
                                        "UTF-8 BOM, then 0xFF 0xFE"),
        "invalid_bytes.yaml": (b"name: \x80\xff\n", "bytes neither UTF-8 nor GB18030"),
        "nul.yaml": (b"name: a\x00b\n", "a NUL character"),
        "control_chars.yaml": (b"name: a\x07\x1bb\n", "control characters"),
        "tab_indent.yaml": (b"process:\n\tname: x\n", "a tab used for indentation"),
        "unclosed_flow.yaml": (b"name: [a, b\n", "an unclosed flow sequence"),
        "unclosed_quote.yaml": (b"name: 'abc\n", "an unclosed quote"),
        "two_documents.yaml": (b"name: a\n---\nname: b\n", "two documents"),
        "top_list.yaml": (b"- a\n- b\n", "a list at the top"),
        "top_scalar.yaml": (b"just text\n", "a scalar at the top"),
        "top_inf.yaml": (b".inf\n", "infinity at the top"),
        "empty.yaml": (b"", "0 bytes"),
        "comment_only.yaml": (b"# nothing\n", "a comment only"),
        "int5000.yaml": (b"name: " + b"9" * 5000 + b"\n", "a 5 000-digit integer"),
        "complex_key.yaml": (b"? [a, b]\n: 1\n", "a list as a mapping key"),
        "bad_binary.yaml": (b"name: !!binary '***'\n", "invalid base64"),
        "bad_timestamp.yaml": (b"name: 2024-13-45\n", "month 13"),
        "huge_list.yaml": (("name: [" + ",".join(["1"] * 25_000) + "]\n").encode(),
                           "25 000 values (beyond the 20 000-value budget)"),
        "undefined_alias.yaml": (b"name: *nowhere\n", "an alias without anchor"),
        "directive.yaml": (b"%YAML 9.9\n---\nname: a\n", "an unknown YAML version"),
        "limit_file_size.yaml": ((ROOT / "src/qbdkit/demo/mab/process.yaml").read_bytes(),
                                 "an ordinary process.yaml with QBDKIT_MAX_FILE_MB lowered"),
    }
    for name, (data, note) in cases.items():
        env = {"QBDKIT_MAX_FILE_MB": "0.00005"} if name.startswith("limit_") else None
        c.add("yaml", name, data, note=note, env=env)


def factor_cases(c: Corpus) -> None:
    text = (DEMO / "doe" / "factors.yaml").read_text("utf-8")
    for tag, value in BAD_YAML_NUMBERS.items():
        c.add("factors", f"low_{tag}.yaml", text.replace("low: 35,", f"low: {value},", 1).encode(),
              note=f"factor low = {value[:20]}")
    rows = [["name", "type", "low", "high", "unit"], ["Temperature", "numeric", "35", "37", "°C"],
            ["pH", "numeric", "6.8", "7.2", ""]]
    for tag in ("inf", "minus_inf", "Infinity", "e999", "digits400", "word", "formula",
                "decimal_comma", "fullwidth_e999"):
        c.add("factors", f"table_{tag}.csv", csv_bytes(with_cell(rows, 1, "low", BAD_NUMBERS[tag])),
              note=f"factor table low = {BAD_NUMBERS[tag][:20]!r}")
        c.add("factors", f"table_{tag}.xlsx",
              xlsx_bytes(with_cell(rows, 1, "low", BAD_NUMBERS[tag])),
              note=f"factor workbook low = {BAD_NUMBERS[tag][:20]!r}")
    head = text.split("screening:")[0]
    bad_yaml = {
        "constraint_e999": "constraints: ['Temperature (°C) + 1e999*pH <= 1']",
        "constraint_long": "constraints: ['" + " + ".join(["pH"] * 20000) + " <= 1']",
        "constraint_divide_zero": "constraints: ['pH/0 <= 1']",
        "constraint_parentheses": "constraints: ['" + "(" * 500 + "pH" + ")" * 500 + " <= 1']",
        "constraint_code": "constraints: ['__import__(\"os\").system(\"echo\") <= 1']",
        "constraint_power": "constraints: ['pH**9**9**9 <= 1']",
        "constraint_not_text": "constraints: [[1, 2], {a: 1}]",
        "constraints_mapping": "constraints: {a: 1}",
        "disallowed_word": "disallowed: [{pH: abc}]",
        "disallowed_e999": "disallowed: [{pH: 1e999}]",
        "disallowed_range_word": "disallowed: [{pH: [a, b]}]",
        "disallowed_not_mapping": "disallowed: [abc, 1]",
        "disallowed_mapping": "disallowed: {pH: 7}",
    }
    for tag, extra in bad_yaml.items():
        c.add("factors", f"{tag}.yaml", (head + extra + "\n").encode(), note=extra[:60])
    for tag, doc in {"factors_scalars": "factors: [1, 2]", "factors_mapping": "factors: {a: 1}",
                     "factor_name_list": "factors: [{name: [a], low: 1, high: 2}]",
                     "factor_levels_e999": "factors: [{name: a, low: 1, high: 2, levels: [1e999]}]",
                     "factor_categorical_one": "factors: [{name: a, type: categorical, levels: x}]",
                     "factor_type_list": "factors: [{name: a, type: [1], low: 1, high: 2}]",
                     "factor_low_true": "factors: [{name: a, low: true, high: 2}]"}.items():
        c.add("factors", f"{tag}.yaml", (doc + "\n").encode(), note=doc[:60])
    c.add("factors", "table_number_e999.xlsx",
          xlsx_bytes(with_cell(rows, 1, "low", str(int(XLSX_PLACEHOLDER))),
                     patch={f"<v>{int(XLSX_PLACEHOLDER)}</v>": "<v>1e999</v>"}),
          note="factor workbook, numeric low cell 1e999")


def scale_cases(c: Corpus) -> None:
    text = SCALE.read_text("utf-8")
    for tag, value in BAD_YAML_NUMBERS.items():
        c.add("scale", f"score_{tag}.yaml", text.replace("score: 10,", f"score: {value},", 1).encode(),
              note=f"first severity score = {value[:20]}")


PROJECT_TARGETS = {
    # target: (file in the demo folder, how to break it)
    "process": "process.yaml",
    "project": "project.yaml",
    "batches": "data/batches.csv",
    "measurements": "data/measurements.csv",
}


def base_project(root: Path) -> Path:
    """A small valid project folder cut from the demo (one unit operation, 30 results, a
    risk file): every project case replaces one of its files. Small, because checking the
    full demo folder takes four times as long and the folder is read a few hundred times."""
    sys.path.insert(0, str(ROOT / "src"))
    from qbdkit.model import load_project, save_project

    demo = load_project(DEMO)
    uos = [u for u in demo.process.unit_operations if u.name == "production_bioreactor"]
    results = [m for m in demo.measurements if m.unit_operation == "production_bioreactor"][:30]
    ids = {m.batch for m in results}
    small = demo.model_copy(update={
        "process": demo.process.model_copy(update={"unit_operations": uos}),
        "measurements": results,
        "batches": [b.model_copy(update={"study": None}) for b in demo.batches if b.id in ids],
        "quality_attributes": [q for q in demo.quality_attributes if q.name == "aggregates"],
        "qtpp": [], "studies": [], "materials": []})
    folder = root / "base_project"
    save_project(small, folder)
    (folder / "risk").mkdir()
    shutil.copyfile(DEMO / "risk" / "fmea.csv", folder / "risk" / "fmea.csv")
    return folder


def project_cases(c: Corpus) -> None:
    base = base_project(c.root)
    proc = (base / "process.yaml").read_text("utf-8")
    # (the project model takes any finite number: magnitudes are bounded where a table is
    # read for an analysis and where factors are made, not in the project record)
    for tag, value in BAD_YAML_NUMBERS.items():
        if tag == "e200":
            continue
        c.add("project", f"process__set_point_{tag}.yaml",
              proc.replace("set_point: 36.0", f"set_point: {value}", 1).encode(),
              note=f"process.yaml: temperature set point = {value[:20]}")
        c.add("project", f"process__nor_{tag}.yaml",
              proc.replace("nor: {low: 35.5,", f"nor: {{low: {value},", 1).encode(),
              note=f"process.yaml: temperature NOR low = {value[:20]}")
    proj = (base / "project.yaml").read_text("utf-8")
    for tag in ("dot_inf", "dot_nan", "e_plus_999", "e999_text", "int400", "int5000",
                "python_tag"):
        value = BAD_YAML_NUMBERS[tag]
        c.add("project", f"project__acceptance_{tag}.yaml",
              proj.replace("high: 3.0,", f"high: {value},", 1).encode(),
              note=f"project.yaml: an acceptance limit = {value[:20]}")
    batches = rows_of(base / "data" / "batches.csv")
    measurements = rows_of(base / "data" / "measurements.csv")
    for tag in ("inf", "minus_inf", "Infinity", "e999", "digits400", "digits5000",
                "fullwidth_e999", "word", "decimal_comma"):
        value = BAD_NUMBERS[tag]
        c.add("project", f"batches__scale_{tag}.csv",
              csv_bytes(with_cell(batches, 1, "scale", value)), note=f"batch scale = {value[:20]!r}")
        c.add("project", f"measurements__value_{tag}.csv",
              csv_bytes(with_cell(measurements, 1, "value", value)),
              note=f"a temperature result = {value[:20]!r}")
        c.add("project", f"measurements__time_{tag}.csv",
              csv_bytes(with_cell(measurements, 1, "time", value)),
              note=f"a measurement time = {value[:20]!r}")
    for tag in ("inf", "e999", "word"):
        value = BAD_NUMBERS[tag]
        c.add("project", f"measurements__value_{tag}.xlsx",
              xlsx_bytes(with_cell(measurements, 1, "value", value)),
              note=f"XLSX: a temperature result = {value[:20]!r}")
    c.add("project", "measurements__number_e999.xlsx",
          xlsx_bytes(with_cell(measurements, 1, "value", str(int(XLSX_PLACEHOLDER))),
                     patch={f"<v>{int(XLSX_PLACEHOLDER)}</v>": "<v>1e999</v>"}),
          note="XLSX: a numeric temperature result 1e999")
    c.add("project", "measurements__limit_cells.csv", csv_bytes(measurements),
          env={"QBDKIT_MAX_CELLS": "150"}, note="more cells than QBDKIT_MAX_CELLS (lowered)")
    for target, old, new in (("process", "set_point: 36.0", "set_point: 36.0\n      set_point: 37"),
                             ("project", "name: demo-mab", "name: demo-mab\nname: other")):
        text = proc if target == "process" else proj
        assert old in text
        c.add("project", f"{target}__duplicate_key.yaml", text.replace(old, new, 1).encode(),
              note=f"{target}.yaml: a key written twice")


def write(root: Path = OUT) -> list[dict[str, object]]:
    """(Re)write the corpus under ``root``; returns the manifest's cases."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    c = Corpus(root)
    table_cases(c)
    generic_table_cases(c)
    generic_yaml_cases(c)
    factor_cases(c)
    scale_cases(c)
    project_cases(c)
    (root / "manifest.json").write_text(
        json.dumps({"cases": c.cases}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    return c.cases


README = """# Fuzz corpus (generated: do not edit by hand)

Malformed CSV / XLSX / YAML inputs written by `tests/fuzz/make_corpus.py` (run it from the
repository root to regenerate; it is deterministic) and read by `tests/fuzz/runner.py`
through every reading command of the CLI (`tests/fuzz/test_corpus.py`). Every case must
end in exit 2 with one line per problem — never exit 1, never a traceback — within 10 s
and a bounded amount of memory, leaving the store unchanged. `manifest.json` lists each
file with its family (which commands read it), a note, and environment overrides (lowered
size and cell limits). The bases are the bundled demo's files (synthetic data).
"""


if __name__ == "__main__":
    cases = write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {len(cases)} files to {OUT}")
