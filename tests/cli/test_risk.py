"""`qbdkit risk …`: JSON shapes of issue 3, Chinese headers, GB18030 and XLSX input,
bad input (exit 2 naming file, row and column, nothing stored or written), templates."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parents[1] / "data" / "risk"


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_ap_prints_letter(cli):
    r = cli("risk", "ap", "--severity", "9", "--occurrence", "2", "--detection", "5")
    assert (r.code, r.out) == (0, "M\n")


def test_ap_json_shape(cli):
    r = cli("risk", "ap", "--severity", "10", "--occurrence", "8", "--detection", "7", "--json")
    assert r.code == 0
    assert r.json() == {"severity": 10, "occurrence": 8, "detection": 7, "rpn": 560, "ap": "H"}


def test_ap_off_scale_exit_2(cli):
    r = cli("risk", "ap", "-s", "0", "-o", "2", "-d", "5")
    assert r.code == 2
    assert r.err.startswith("error: severity: rating not on the scale")
    assert r.out == ""


def test_fmea_gb18030_chinese_headers_json(cli):
    r = cli("risk", "fmea", str(DATA / "fmea_zh_gb18030.csv"), "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert set(doc) >= {"rows", "summary"}
    assert doc["summary"] == {"H": 1, "M": 1, "L": 2}
    rows = doc["rows"]
    assert [x["id"] for x in rows] == ["F01", "F02", "F03", "F04"]  # input order
    assert {x["id"]: (x["rpn"], x["ap"], x["rank"]) for x in rows} == {
        "F01": (160, "M", 2), "F02": (60, "L", 3), "F03": (126, "H", 1), "F04": (40, "L", 4)}
    f01 = rows[0]
    # input columns (canonical names) and pass-through columns kept
    assert f01["step"] == "生产生物反应器" and f01["failure_mode"] == "pH 高于设定值"
    assert f01["action"] == "增加冗余电极" and f01["owner"] == "上游"
    assert rows[1]["备注"] == "历史偏差 2 次"


def test_fmea_bad_input_lines(cli, tmp_path):
    out = tmp_path / "ranked.xlsx"
    r = cli("risk", "fmea", str(DATA / "fmea_bad_gb18030.csv"), "--out", str(out))
    assert r.code == 2
    f = str(DATA / "fmea_bad_gb18030.csv")
    assert r.err.splitlines() == [
        f"error: {f}:2: 严重度 (severity): not on the scale: expected a whole number 1–10, found 11",
        f"error: {f}:3: 频度 (occurrence): not a whole number: expected a whole number 1–10, found 3.5",
        f"error: {f}:4: 编号 (id): duplicate id (also on row 3): expected a unique value, found 'F02'",
        f"error: {f}:4: 探测度 (detection): blank cell: expected a whole number 1–10, found ''",
    ]
    assert r.out == ""
    assert not out.exists()


def test_fmea_missing_column(cli, tmp_path):
    p = write_csv(tmp_path / "f.csv", "id,step,failure_mode,effect,severity,occurrence\n"
                  "F1,bioreactor,pH high,aggregates,8,4\n")
    r = cli("risk", "fmea", str(p))
    assert r.code == 2
    lines = r.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"error: {p}:1: cause: missing column")
    assert lines[1].startswith(f"error: {p}:1: detection: missing column")


def test_fmea_xlsx_in_and_ranked_out(cli, tmp_path):
    src = tmp_path / "fmea.xlsx"
    frame = pd.read_csv(DATA / "fmea_zh_gb18030.csv", encoding="gb18030")
    frame.to_excel(src, index=False)
    out = tmp_path / "ranked.xlsx"
    r = cli("risk", "fmea", str(src), "--out", str(out), "--json")
    assert r.code == 0, r.err
    assert r.json()["summary"] == {"H": 1, "M": 1, "L": 2}
    ranked = pd.read_excel(out)
    # issue 17: a Chinese-header worksheet comes back with its Chinese headers
    assert list(ranked["编号"]) == ["F03", "F01", "F02", "F04"]
    assert list(ranked["排序"]) == [1, 2, 3, 4]
    assert list(ranked["行动优先级（AP）"]) == ["H", "M", "L", "L"]
    # a styled, filterable sheet with a normal file mode
    import os
    import stat

    import openpyxl

    ws = openpyxl.load_workbook(out)["fmea"]
    assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == ws.dimensions
    assert ws.column_dimensions["E"].width > 8
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_fmea_classic_and_amab_dp_scales(cli, tmp_path):
    p = write_csv(tmp_path / "dp.csv", "id,step,failure_mode,effect,cause,severity,occurrence,"
                  "detection\nA,fill,x,y,z,6,6,2\nB,fill,x,y,z,8,2,2\nC,fill,x,y,z,6,4,2\n")
    r = cli("risk", "fmea", str(p), "--scale", "amab-dp", "--json")
    assert r.code == 0, r.err
    assert [x["decision"] for x in r.json()["rows"]] == ["analyse further", "CPP", "not CPP"]
    r = cli("risk", "fmea", str(p), "--json")  # 6 is fine on 1–10
    assert r.code == 0
    r = cli("risk", "fmea", str(p), "--scale", "control-strategy")
    assert r.code == 2 and "expected one of 1/3/10" in r.err


def test_ce_json_shape_and_threshold(cli, tmp_path):
    p = write_csv(tmp_path / "ce.csv", "input,titer,aggregates,charge_variants\n"
                  "weight,7,10,5\npH,9,3,9\ntemperature,3,3,9\ndissolved_oxygen,1,0,1\n")
    r = cli("risk", "ce", str(p), "--threshold", "50", "--json")
    assert r.code == 0, r.err
    inputs = r.json()["inputs"]
    assert [{k: x[k] for k in ("name", "score", "rank", "selected")} for x in inputs] == [
        {"name": "pH", "score": 138, "rank": 1, "selected": True},
        {"name": "temperature", "score": 96, "rank": 2, "selected": True},
        {"name": "dissolved_oxygen", "score": 12, "rank": 3, "selected": False}]
    # 138/246, 234/246, 246/246 (hand-computed)
    assert [x["cumulative_pct"] for x in inputs] == pytest.approx(
        [100 * 138 / 246, 100 * 234 / 246, 100.0], rel=1e-12)


def test_ce_chinese_weight_row_and_scale_error(cli, tmp_path):
    p = write_csv(tmp_path / "ce.csv", "输入,滴度,聚体\n权重,7,10\npH,9,3\n温度,2,3\n", "gb18030")
    r = cli("risk", "ce", str(p))
    assert r.code == 2
    assert r.err == f"error: {p}:4: 滴度: not on the scale: expected one of 0/1/3/9, found 2\n"
    r = cli("risk", "ce", str(p), "--scale", "1-5-7-10")
    assert r.code == 2  # 2, 3, 9 not on 1/5/7/10 either


def test_cqa_json_shape_tool1_and_tool2(cli, tmp_path):
    p = write_csv(tmp_path / "cqa.csv", "质量属性,影响,不确定性,理由\n宿主细胞蛋白,12,3,免疫原性\n"
                  "岩藻糖缺失,2,5,ADCC 非作用机制\n")
    r = cli("risk", "cqa", str(p), "--json")
    assert r.code == 0, r.err
    attrs = r.json()["attributes"]
    assert [{k: a[k] for k in ("name", "impact", "uncertainty", "score", "level", "cqa")}
            for a in attrs] == [
        {"name": "宿主细胞蛋白", "impact": 12, "uncertainty": 3, "score": 36, "level": "medium",
         "cqa": True},
        {"name": "岩藻糖缺失", "impact": 2, "uncertainty": 5, "score": 10, "level": "low",
         "cqa": False}]
    assert attrs[0]["rationale"] == "免疫原性"
    r = cli("risk", "cqa", str(p), "--threshold", "40", "--json")
    assert [a["cqa"] for a in r.json()["attributes"]] == [False, False]
    p2 = write_csv(tmp_path / "cqa2.csv", "name,severity,likelihood\naggregates,9,5\n")
    r = cli("risk", "cqa", str(p2), "--tool", "amab-2", "--json")
    a = r.json()["attributes"][0]
    assert (a["severity"], a["likelihood"], a["score"], a["cqa"]) == (9, 5, 45, True)


def test_classify_json_shape(cli, tmp_path):
    p = write_csv(tmp_path / "cl.csv", "name,affects_cqa,cqa_risk,affects_performance,"
                  "performance_risk,evidence\npH,yes,high,,,C&E 138\ntemperature,yes,low,,,\n"
                  "agitation,no,,yes,high,\nfoam,no,,no,,\n")
    r = cli("risk", "classify", str(p), "--json")
    assert r.code == 0, r.err
    params = r.json()["parameters"]
    assert [(x["name"], x["class"]) for x in params] == [
        ("pH", "CPP"), ("temperature", "WC-CPP"), ("agitation", "KPP"), ("foam", "GPP")]
    assert all(isinstance(x["rationale"], str) and x["rationale"] for x in params)
    assert "C&E 138" in params[0]["rationale"]


def test_study_command(cli, tmp_path):
    p = write_csv(tmp_path / "st.csv", "name,main_effect,interaction\npH,8,4\nfeed,no data,1\n")
    r = cli("risk", "study", str(p), "--json")
    assert r.code == 0, r.err
    assert [(x["name"], x["severity"], x["study"]) for x in r.json()["parameters"]] == [
        ("pH", 32, "multivariate"), ("feed", 8, "multivariate-or-univariate")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("kind", "command", "extra"), [
    ("fmea", "fmea", []), ("ce", "ce", []), ("cqa", "cqa", []),
    ("cqa-2", "cqa", ["--tool", "amab-2"]), ("classify", "classify", []), ("study", "study", []),
])
def test_templates_round_trip(cli, tmp_path, lang, kind, command, extra):
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"{kind}-{lang}{suffix}"
        r = cli("risk", "template", kind, "--lang", lang, "--out", str(out))
        assert r.code == 0, r.err
        r = cli("risk", command, str(out), *extra, "--json")
        assert r.code == 0, r.err
        assert json.loads(r.out)


def test_template_to_stdout_and_unknown(cli):
    r = cli("risk", "template", "fmea")
    assert r.code == 0 and r.out.splitlines()[0].startswith("id,step,function,failure_mode")
    r = cli("risk", "template", "nope")
    assert r.code == 2


def test_scale_file_option(cli, tmp_path):
    import yaml

    from qbdkit.scales import DATA_DIR

    doc = yaml.safe_load((DATA_DIR / "amab-1.yaml").read_text(encoding="utf-8"))
    doc["threshold"] = 60
    scale = tmp_path / "sop.yaml"
    scale.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    p = write_csv(tmp_path / "cqa.csv", "name,impact,uncertainty\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--scale-file", str(scale), "--json")
    assert r.code == 0 and r.json()["attributes"][0]["cqa"] is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nkind: cqa\n", encoding="utf-8")
    r = cli("risk", "cqa", str(p), "--scale-file", str(bad))
    assert r.code == 2 and f"error: {bad}: " in r.err


def test_store_and_history(cli, tmp_path):
    from qbdkit.services.projects import create_project

    create_project("mAb-1", user="admin", reason="new programme")
    p = write_csv(tmp_path / "cqa.csv", "name,impact,uncertainty\nafucosylation,2,5\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--project", "mAb-1", "--as", "cqa", "--reason", "initial assessment",
            "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["attributes"][0]["score"] == 10  # stdout stays pure JSON
    assert "stored risk.cqa/cqa version 1" in r.err
    # bad input: nothing stored
    shutil.copy(p, tmp_path / "keep.csv")
    write_csv(p, "name,impact,uncertainty\nafucosylation,21,3\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--project", "mAb-1", "--reason", "typo")  # --as: file stem
    assert r.code == 2
    write_csv(p, "name,impact,uncertainty\nafucosylation,20,3\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--project", "mAb-1", "--reason", "ADCC is part of the MoA")
    assert r.code == 0, r.err
    r = cli("risk", "history", "mAb-1", "--json")
    assert r.code == 0, r.err
    versions = r.json()["versions"]
    assert [(v["kind"], v["key"], v["version"], v["reason"]) for v in versions] == [
        ("risk.cqa", "cqa", 1, "initial assessment"), ("risk.cqa", "cqa", 2, "ADCC is part of the MoA")]
    changes = {(c["item"], c["field"]): (c["old"], c["new"]) for c in versions[1]["changes"]}
    assert changes == {("afucosylation", "impact"): (2, 20),
                       ("afucosylation", "uncertainty"): (5, 3),
                       ("afucosylation", "score"): (10, 60),
                       ("afucosylation", "level"): ("low", "medium"),
                       ("afucosylation", "cqa"): (False, True)}
    from qbdkit.services.auth import os_user_name

    assert all(v["user"] == os_user_name() and v["at"].endswith("Z") for v in versions)
    r = cli("risk", "history", "mAb-1")
    assert r.code == 0 and "afucosylation impact: 2 → 20" in r.out


def test_store_unknown_project_exit_2(cli, tmp_path):
    p = write_csv(tmp_path / "cqa.csv", "name,impact,uncertainty\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--project", "nope", "--as", "cqa", "--reason", "x")
    assert r.code == 2 and "qbdkit import DIR" in r.err
    r = cli("risk", "cqa", str(p), "--reason", "x")
    assert r.code == 2 and "--project" in r.err


def test_project_scale_setting(cli, tmp_path):
    import yaml

    from qbdkit.scales import DATA_DIR
    from qbdkit.services.projects import create_project

    create_project("mAb-2", user="admin", reason="new programme")
    doc = yaml.safe_load((DATA_DIR / "amab-1.yaml").read_text(encoding="utf-8"))
    doc.update(id="site-sop-cqa", version="SOP-QA-012 v3", threshold=60)
    sop = tmp_path / "sop.yaml"
    sop.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = cli("risk", "scales", "--project", "mAb-2", "--use", str(sop), "--reason", "site SOP",
            "--json")
    assert r.code == 0, r.err
    assert r.json() == {"project": "mAb-2", "kind": "cqa", "version": 1, "scale": "site-sop-cqa"}
    p = write_csv(tmp_path / "cqa.csv", "name,impact,uncertainty\nHCP,12,3\n")
    r = cli("risk", "cqa", str(p), "--project", "mAb-2", "--as", "cqa", "--reason", "first", "--json")
    assert r.code == 0, r.err
    assert r.json()["attributes"][0]["cqa"] is False  # the project's threshold 60 applies
    assert "using project mAb-2's cqa scale site-sop-cqa" in r.err
    r = cli("risk", "cqa", str(p), "--json")  # no project: the shipped default (36)
    assert r.json()["attributes"][0]["cqa"] is True
    r = cli("risk", "cqa", str(p), "--project", "mAb-2", "--as", "cqa", "--tool", "amab-1", "--reason", "x",
            "--json")  # explicit choice wins
    assert r.json()["attributes"][0]["cqa"] is True
    r = cli("risk", "history", "mAb-2", "--json")
    kinds = [(v["kind"], v["key"], v["version"]) for v in r.json()["versions"]]
    assert kinds == [("risk.scale", "cqa", 1), ("risk.cqa", "cqa", 1), ("risk.cqa", "cqa", 2)]
    changes = {(c["item"], c["field"]): (c["old"], c["new"])
               for c in r.json()["versions"][2]["changes"]}
    assert changes == {("HCP", "cqa"): (False, True)}


def test_scales_use_needs_project(cli, tmp_path):
    r = cli("risk", "scales", "--use", str(tmp_path / "x.yaml"))
    assert r.code == 2 and "--project" in r.err


def test_xlsx_with_title_rows_above_the_header(cli, tmp_path):
    # Chinese templates often start with a title line (seed 000: "表 1：DFMEA 风险评估表（示例）")
    import openpyxl

    frame = pd.read_csv(DATA / "fmea_zh_gb18030.csv", encoding="gb18030")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["表 1：DFMEA 风险评估表（示例）"])
    ws.append([])
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if isinstance(v, float) and v != v else v for v in row])
    ws["F5"] = 11  # F02's 严重度, spreadsheet row 5
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    r = cli("risk", "fmea", str(path))
    assert r.code == 2
    assert r.err == (f"error: {path}:5: 严重度 (severity): not on the scale: expected a whole "
                     "number 1–10, found 11\n")
    ws["F5"] = 5
    wb.save(path)
    r = cli("risk", "fmea", str(path), "--json")
    assert r.code == 0, r.err
    assert r.json()["summary"] == {"H": 1, "M": 1, "L": 2}


def test_isf(cli):
    # A-Mab tool 3: ISF = LD50 / impurity per dose; 50 / 0.04 = 1250 >= 1000 → minimal risk
    r = cli("risk", "isf", "--toxic-dose", "50", "--impurity-per-dose", "0.04", "--json")
    assert r.code == 0, r.err
    assert r.json() == {"isf": pytest.approx(1250.0), "threshold": 1000.0, "minimal_risk": True}
    r = cli("risk", "isf", "--toxic-dose", "50", "--impurity-per-dose", "0")
    assert r.code == 2
