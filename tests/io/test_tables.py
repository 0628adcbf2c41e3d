"""Reading CSV/XLSX with encoding detection and row provenance."""

import pandas as pd
import pytest

from qbdkit.errors import QbdInputError
from qbdkit.io import read_table, require_columns

CSV_ZH = "编号,工序,严重度\n1,细胞培养,9\n2,层析,7\n"


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("gb18030", "gb18030"), ("gbk", "gb18030")])
def test_encodings(tmp_path, encoding, expected):
    p = tmp_path / "f.csv"
    p.write_bytes(CSV_ZH.encode(encoding))
    t = read_table(p)
    assert t.encoding == expected
    assert t.columns == ["编号", "工序", "严重度"]
    assert t.frame["工序"].tolist() == ["细胞培养", "层析"]


def test_aliases_and_missing_columns(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text(CSV_ZH, encoding="utf-8")
    t = require_columns(read_table(p), ["id", "step", "severity"],
                        aliases={"id": ["编号"], "step": ["工序"], "severity": ["严重度"]})
    assert t.columns == ["id", "step", "severity"]
    with pytest.raises(QbdInputError) as exc:
        require_columns(read_table(p), ["id", "occurrence", "detection"])
    assert [pr.column for pr in exc.value.problems] == ["id", "occurrence", "detection"]
    assert str(exc.value.problems[1]).startswith(f"{p}:1: occurrence: missing column")


def test_row_numbers_skip_blank_rows_and_name_cell(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,b\n1,2\n,\n3,x\n", encoding="utf-8")
    t = read_table(p)
    assert t.rows == [2, 4]
    with pytest.raises(QbdInputError) as exc:
        t.number(1, "b")
    assert str(exc.value) == f"{p}:4: b: not a number: expected a number, found 'x'"


def test_xlsx(tmp_path):
    p = tmp_path / "f.xlsx"
    pd.DataFrame({"名称": ["HCP", "聚体"], "score": [36, 60]}).to_excel(p, index=False)
    t = read_table(p)
    assert t.encoding == "xlsx"
    assert t.frame["名称"].tolist() == ["HCP", "聚体"]
    assert t.integer(1, "score", allowed=range(0, 141)) == 60


def test_undecodable_and_missing(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(b"a,b\n\xff\xff,1\n")
    with pytest.raises(QbdInputError, match="cannot decode"):
        read_table(p)
    with pytest.raises(QbdInputError, match="file not found"):
        read_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("text,value", [("1,234.5", 1234.5), ("7.0", 7.0), (" -3 ", -3.0),
                                        ("\u22122.5", -2.5), ("1e-3", 1e-3), ("12,000", 12000.0)])
def test_numbers_parse(text, value):
    from qbdkit.io import parse_number

    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["7,0", "1,2,3", "1,23", "abc"])
def test_decimal_comma_is_an_error_not_a_different_number(tmp_path, text):
    p = tmp_path / "f.csv"
    p.write_text(f'a\n"{text}"\n', encoding="utf-8")
    t = read_table(p, dtype_str=True)
    with pytest.raises(QbdInputError) as exc:
        t.number(0, "a")
    assert str(exc.value).startswith(f"{p}:2: a: ")


@pytest.mark.parametrize("value", ["nan", "7,0", True, "1.2.3"])
def test_parse_number_rejects(value):
    from qbdkit.io import parse_number

    with pytest.raises(ValueError):
        parse_number(value)


def test_header_row_below_a_title_and_merged_group_rows(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("表 1：批次结果\n\nbatch,titer\nL1,5.1\nL2,5.3\n", encoding="utf-8")
    t = read_table(p, header_row=3)
    assert t.columns == ["batch", "titer"] and t.rows == [4, 5]
    assert t.frame["titer"].tolist() == [5.1, 5.3]
    q = tmp_path / "m.xlsx"
    pd.DataFrame([["批次", "质量", None], ["batch", "聚体", "HCP"], ["L1", 1.1, 60.0]]).to_excel(
        q, index=False, header=False, sheet_name="结果")
    t = read_table(q, sheet="结果", header_row="1-2")
    assert t.columns == ["批次 batch", "质量 聚体", "质量 HCP"] and t.rows == [3]
    with pytest.raises(QbdInputError, match="bad header row"):
        read_table(q, header_row="2-1")
    r = tmp_path / "g.csv"
    r.write_text("group,,\nbatch,titer,pH\nL1,5.1,7.0\n", encoding="utf-8")
    assert "--header-row" in read_table(r).notes[0]  # columns without a header


def test_na_text_is_remembered_and_kept_in_text_columns(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("id,action,titer\nF1,N/A,5.1\nF2,add probe,#N/A\n", encoding="utf-8")
    t = read_table(p)
    assert t.frame["action"].tolist() == ["N/A", "add probe"]  # text stays text
    assert pd.isna(t.frame["titer"][1]) and t.missing_text(1, "titer") == "missing (#N/A)"
    assert t.missing_notes() == ["titer: missing (N/A) in row 3 (#N/A)"]
