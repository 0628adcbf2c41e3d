"""`qbdkit validate` and `qbdkit init`: one test per kind of bad input, each asserting
exit 2 and the exact one-line message with the right file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT = """\
name: demo
label: {en: Demo, zh: 演示}
product:
  name: X-mAb
  modality: mab
quality_attributes:
  - name: aggregates
    label: {en: Aggregates, zh: 聚体}
    unit: "%"
    acceptance:
      - {stage: DS, high: 3}
  - name: hcp
    unit: ng/mg
    acceptance:
      - {stage: DS, high: 100}
qtpp:
  - name: purity
    attributes: [aggregates, hcp]
studies:
  - {name: doe1, kind: doe, unit_operations: [bioreactor]}
"""

PROCESS = """\
process:
  unit_operations:
    - name: bioreactor
      parameters:
        - name: temperature
          unit: degC
          set_point: 36.5
          nor: [36, 37]
          par: [35, 38]
          studied: [34, 39]
        - name: ph
          set_point: 7.0
          nor: [6.9, 7.1]
          par: [6.8, 7.2]
          studied: [6.6, 7.3]
    - name: protein_a
      parameters:
        - name: load
          unit: g/L resin
          studied: [10, 50]
materials:
  - {name: resin, used_in: [protein_a]}
"""

BATCHES = """\
batch,kind,scale,scale_unit,site,date,study
B1,at-scale,2000,L,Site A,2024-01-02,
B2,small-scale,3,L,Lab,2024-02-03,doe1
"""

MEASUREMENTS = """\
batch,unit_operation,name,time,time_unit,value,unit
B1,bioreactor,temperature,0,d,36.4,°C
B1,,aggregates,,,1.2,%
B2,bioreactor,ph,1,d,7.01,
"""


def make(tmp_path: Path, *, project: str = PROJECT, process: str = PROCESS,
         batches: str | bytes = BATCHES, measurements: str | bytes = MEASUREMENTS) -> Path:
    d = tmp_path / "proj"
    (d / "data").mkdir(parents=True)
    (d / "project.yaml").write_text(project, encoding="utf-8")
    (d / "process.yaml").write_text(process, encoding="utf-8")
    for name, content in (("batches.csv", batches), ("measurements.csv", measurements)):
        p = d / "data" / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return d


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``marker`` (independent of the code under test)."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]
    return hits[nth - 1]


def errors(r) -> list[str]:
    return [line for line in r.err.splitlines() if line.startswith("error: ")]


def only_error(r) -> str:
    assert r.code == 2, r.err
    errs = errors(r)
    assert len(errs) == 1, r.err
    assert "Traceback" not in r.err
    return errs[0]


# ---------------------------------------------------------------- valid project
def test_valid_project_exit_0_with_summary(cli, tmp_path):
    d = make(tmp_path)
    r = cli("validate", d)
    assert r.code == 0, r.err
    assert f"{d}: valid project 'demo'" in r.out
    assert "unit operations" in r.out
    assert "note: data/batches.csv: read as utf-8" in r.err
    assert "read as" not in r.out


def test_valid_project_json(cli, tmp_path):
    d = make(tmp_path)
    r = cli("validate", d, "--json")
    assert r.code == 0
    doc = r.json()
    assert doc["problems"] == []
    assert doc["encodings"]["project.yaml"] == "utf-8"
    assert doc["counts"]["batches"] == 2
    assert doc["counts"]["measurements"] == 3


# ---------------------------------------------------------------- malformed files
def test_malformed_yaml(cli, tmp_path):
    bad = PROJECT.replace("  modality: mab", "  modality: [mab")
    d = make(tmp_path, project=bad)
    err = only_error(cli("validate", d))
    line = line_of(bad, "quality_attributes:")  # the parser notices the open [ on the next key
    assert err == (f"error: {d}/project.yaml:{line}: malformed YAML: while parsing a flow sequence "
                   f"(started on line {line_of(bad, '[mab')}) expected ',' or ']', but got ':': "
                   "expected valid YAML")


def test_malformed_csv_too_many_fields(cli, tmp_path):
    bad = BATCHES.replace("B2,small-scale,3,L,Lab,2024-02-03,doe1",
                          "B2,small-scale,3,L,Lab,2024-02-03,doe1,oops")
    d = make(tmp_path, batches=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/batches.csv:3: malformed CSV row: "
                   "expected 7 fields (as in the header), found '8 fields'")


def test_malformed_csv_unclosed_quote(cli, tmp_path):
    lines = MEASUREMENTS.splitlines()
    bad = "\n".join([*lines[:2], 'B2,bioreactor,"ph,1,d,7.0,', *lines[2:]]) + "\n"
    d = make(tmp_path, measurements=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/measurements.csv:3: malformed CSV: unexpected end of data: "
                   "expected well-formed CSV (quotes closed)")


def test_missing_batch_column(cli, tmp_path):
    d = make(tmp_path, batches=BATCHES.replace("batch,kind", "charge,kind"))
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/batches.csv:1: batch: missing column: expected a header 'batch' "
                   "or 'batch_id' or 'lot' or 'lot_id', found 'charge, kind, scale, scale_unit, site, "
                   "date, study'")


def test_wrong_type_and_unknown_field(cli, tmp_path):
    bad = PROCESS.replace("          set_point: 36.5", "          set_point: [36.5]").replace(
        "          studied: [34, 39]", "          studeid: [34, 39]")
    d = make(tmp_path, process=bad)
    r = cli("validate", d)
    assert r.code == 2
    errs = errors(r)
    assert (f"error: {d}/process.yaml:{line_of(bad, 'studeid')}: "
            "unit_operations[bioreactor].parameters[temperature].studeid: unknown field: expected "
            "one of source, typical, name, label, type, unit, set_point, nor, par, studied, levels, "
            "scale, classification, notes, found 'studeid'") in errs
    assert any(e.startswith(f"error: {d}/process.yaml:{line_of(bad, 'set_point: [36.5]')}: "
                            "unit_operations[bioreactor].parameters[temperature].set_point:")
               for e in errs), r.err


def test_missing_required_column(cli, tmp_path):
    d = make(tmp_path, batches=BATCHES.replace("kind,", "type_of_batch,"))
    err = only_error(cli("validate", d))
    assert err.startswith(f"error: {d}/data/batches.csv:1: kind: missing column: expected a header "
                          "'kind' or 'type'")


def test_bad_value_in_data_row(cli, tmp_path):
    d = make(tmp_path, batches=BATCHES.replace("B2,small-scale,3,", "B2,small-scale,three,"))
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/batches.csv:3: scale: not a number: "
                   "expected a number, found 'three'")


# ---------------------------------------------------------------- units
def test_unknown_unit(cli, tmp_path):
    bad = PROCESS.replace("unit: g/L resin", "unit: furlongs")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err.startswith(f"error: {d}/process.yaml:{line_of(bad, 'furlongs')}: "
                          "unit_operations[protein_a].parameters[load].unit: unknown unit: expected "
                          "a unit from the vocabulary (°C, g/L,")
    assert err.endswith("found 'furlongs'")


def test_inconsistent_units_nor_celsius_par_kelvin(cli, tmp_path):
    bad = PROCESS.replace("          par: [35, 38]", "          par: [308, 311, K]")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/process.yaml:{line_of(bad, 'par: [308')}: "
                   "unit_operations[bioreactor].parameters[temperature].par.unit: inconsistent "
                   "units: expected °C (the unit of parameter 'temperature'), found 'K'")


def test_unit_aliases_are_accepted(cli, tmp_path):
    d = make(tmp_path, process=PROCESS.replace("unit: degC", "unit: ℃"),
             measurements=MEASUREMENTS.replace("36.4,°C", "36.4,degC"))
    assert cli("validate", d).code == 0


def test_text_value_for_a_numeric_parameter(cli, tmp_path):
    d = make(tmp_path, measurements=MEASUREMENTS.replace("36.4,°C", "36;4,°C"))
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/measurements.csv:2: value: not a number: "
                   "expected a number (parameter 'temperature' is numeric), found '36;4'")


def test_measurement_time_elapsed_or_timestamp(cli, tmp_path):
    ok = MEASUREMENTS.replace("B1,bioreactor,temperature,0,d", "B1,bioreactor,temperature,2024-03-01 08:00,")
    assert cli("validate", make(tmp_path / "a", measurements=ok)).code == 0
    bad = MEASUREMENTS.replace("B2,bioreactor,ph,1,d", "B2,bioreactor,ph,day 1,d")
    d = make(tmp_path / "b", measurements=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/measurements.csv:4: time: not a time: expected a number "
                   "(elapsed time) or a date-time YYYY-MM-DD hh:mm, found 'day 1'")


def test_measurement_unit_inconsistent_with_its_parameter(cli, tmp_path):
    bad = MEASUREMENTS.replace("36.4,°C", "309.5,K")
    d = make(tmp_path, measurements=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/measurements.csv:2: unit: inconsistent units: "
                   "expected °C (the unit of parameter 'temperature'), found 'K'")


# ---------------------------------------------------------------- ranges
def test_low_greater_than_high(cli, tmp_path):
    bad = PROJECT.replace("{stage: DS, high: 3}", "{stage: DS, low: 5, high: 3}")
    d = make(tmp_path, project=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/project.yaml:{line_of(bad, 'low: 5')}: "
                   "quality_attributes[aggregates].acceptance[1]: acceptance criterion low > high: "
                   "expected low ≤ high, found 'low 5 > high 3'")


def test_set_point_outside_nor(cli, tmp_path):
    bad = PROCESS.replace("set_point: 36.5", "set_point: 37.5")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/process.yaml:{line_of(bad, 'set_point: 37.5')}: "
                   "unit_operations[bioreactor].parameters[temperature].set_point: set point outside "
                   "NOR: expected within NOR [36, 37] °C, found 37.5")


def test_nor_outside_par(cli, tmp_path):
    bad = PROCESS.replace("nor: [6.9, 7.1]", "nor: [6.7, 7.1]").replace("set_point: 7.0",
                                                                         "set_point: 6.9")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/process.yaml:{line_of(bad, 'nor: [6.7')}: "
                   "unit_operations[bioreactor].parameters[ph].nor: NOR outside PAR: "
                   "expected within PAR [6.8, 7.2], found '[6.7, 7.1]'")


def test_par_outside_studied_range(cli, tmp_path):
    bad = PROCESS.replace("studied: [34, 39]", "studied: [35.5, 39]")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/process.yaml:{line_of(bad, 'par: [35, 38]')}: "
                   "unit_operations[bioreactor].parameters[temperature].par: PAR outside studied "
                   "range: expected within studied range [35.5, 39] °C, found '[35, 38] °C'")


def test_cqa_score_must_be_impact_times_uncertainty(cli, tmp_path):
    bad = PROJECT.replace("  - name: hcp\n", "  - name: hcp\n    criticality: {impact: 12, uncertainty: 5, score: 50}\n")
    d = make(tmp_path, project=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/project.yaml:{line_of(bad, 'score: 50')}: quality_attributes[hcp]."
                   "criticality.score: score is not impact × uncertainty: expected 60 (12 × 5, "
                   "A-Mab tool 1), found 50.0")


# ---------------------------------------------------------------- names and references
def test_duplicate_attribute_name(cli, tmp_path):
    bad = PROJECT.replace("  - name: hcp", "  - name: Aggregates")
    d = make(tmp_path, project=bad)
    r = cli("validate", d)
    assert r.code == 2
    assert (f"error: {d}/project.yaml:{line_of(bad, '- name: Aggregates')}: "
            "quality_attributes[Aggregates].name: duplicate quality attribute name: expected a name "
            "not used before (first used at item 1), found 'Aggregates'") in errors(r)


def test_duplicate_parameter_in_one_step(cli, tmp_path):
    bad = PROCESS.replace("        - name: ph", "        - name: temperature")
    d = make(tmp_path, process=bad)
    r = cli("validate", d)
    assert r.code == 2
    line = line_of(bad, "- name: temperature", 2)
    assert (f"error: {d}/process.yaml:{line}: unit_operations[bioreactor].parameters[temperature]."
            "name: duplicate parameter name: expected a name not used before in bioreactor (first "
            "used at item 1), found 'temperature'") in errors(r)


def test_duplicate_batch(cli, tmp_path):
    d = make(tmp_path, batches=BATCHES + "B1,clinical,200,L,Site B,2024-03-01,\n")
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/batches.csv:4: batch: duplicate batch: expected a batch id not "
                   "used before (first on data row 1), found 'B1'")


def test_duplicate_yaml_key(cli, tmp_path):
    bad = PROJECT.replace("name: demo\n", "name: demo\nname: demo2\n")
    d = make(tmp_path, project=bad)
    err = only_error(cli("validate", d))
    assert err == f"error: {d}/project.yaml:2: name: duplicate key: expected each key once, found 'name'"


def test_unknown_attribute_reference(cli, tmp_path):
    bad = PROJECT.replace("attributes: [aggregates, hcp]", "attributes: [aggregates, potency]")
    d = make(tmp_path, project=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/project.yaml:{line_of(bad, 'potency')}: qtpp[purity].attributes[2]: "
                   "unknown quality attribute: expected a quality attribute (aggregates, hcp…), "
                   "found 'potency'")


def test_unknown_step_reference(cli, tmp_path):
    bad = PROCESS.replace("used_in: [protein_a]", "used_in: [cex]")
    d = make(tmp_path, process=bad)
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/process.yaml:{line_of(bad, 'used_in')}: materials[resin].used_in[1]: "
                   "unknown unit operation: expected a unit operation (bioreactor, protein_a…), "
                   "found 'cex'")


def test_measurement_references_unknown_batch_and_step(cli, tmp_path):
    bad = MEASUREMENTS + "B9,harvest,temperature,,,20,°C\n"
    d = make(tmp_path, measurements=bad)
    r = cli("validate", d)
    assert r.code == 2
    errs = errors(r)
    assert errs == [
        f"error: {d}/data/measurements.csv:5: batch: unknown batch: expected a batch listed in the "
        "batch table, found 'B9'",
        f"error: {d}/data/measurements.csv:5: unit_operation: unknown unit operation: expected a "
        "unit operation (bioreactor, protein_a…), found 'harvest'",
    ]


def test_references_by_chinese_label(cli, tmp_path):
    d = make(tmp_path, project=PROJECT.replace("attributes: [aggregates, hcp]",
                                               "attributes: [聚体, hcp]"))
    assert cli("validate", d).code == 0


# ---------------------------------------------------------------- encodings
CHINESE_BATCHES = """\
批号,类型,规模,规模单位,生产场地,生产日期
B1,规模化,2000,L,苏州工厂,2024-01-02
B2,小试,3,L,实验室,2024-02-03
"""


def test_gb18030_csv_is_read_and_reported(cli, tmp_path):
    d = make(tmp_path, batches=CHINESE_BATCHES.encode("gb18030"))
    r = cli("validate", d)
    assert r.code == 0, r.err
    assert "note: data/batches.csv: read as gb18030" in r.err
    from qbdkit.model import load_project

    p = load_project(d)
    assert p.batches[0].site == "苏州工厂"
    assert p.batches[0].kind == "at-scale"
    assert p.batches[1].kind == "small-scale"


def test_utf8_bom_is_read_and_reported(cli, tmp_path):
    d = make(tmp_path, measurements=b"\xef\xbb\xbf" + MEASUREMENTS.encode("utf-8"))
    r = cli("validate", d, "--json")
    assert r.code == 0
    assert r.json()["encodings"]["data/measurements.csv"] == "utf-8-sig"


def test_gbk_yaml_is_read(cli, tmp_path):
    d = make(tmp_path)
    (d / "project.yaml").write_bytes(PROJECT.encode("gbk"))
    r = cli("validate", d)
    assert r.code == 0, r.err
    assert "note: project.yaml: read as gb18030" in r.err


def test_undecodable_file(cli, tmp_path):
    d = make(tmp_path, measurements=b"batch,name,value\nB1,\xff\xfe\xff,1\n")
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/measurements.csv:2: cannot decode file: byte 4 of the line "
                   "is not UTF-8: expected UTF-8, UTF-8 with BOM or GB18030/GBK text, "
                   "found 'byte 0xff'")


def test_xlsx_data_file(cli, tmp_path):
    import pandas as pd

    d = make(tmp_path)
    (d / "data" / "batches.csv").unlink()
    pd.DataFrame({"批号": ["B1", "B2"], "类型": ["PPQ", "clinical"], "规模": [2000, 200],
                  "日期": pd.to_datetime(["2024-01-02", "2024-02-03"])}).to_excel(
        d / "data" / "batches.xlsx", index=False)
    r = cli("validate", d, "--json")
    assert r.code == 0, r.out
    assert r.json()["encodings"]["data/batches.xlsx"] == "xlsx"


# ---------------------------------------------------------------- all at once
def test_every_problem_reported_at_once(cli, tmp_path):
    proc = (PROCESS.replace("set_point: 36.5", "set_point: 37.5")
            .replace("unit: g/L resin", "unit: furlongs")
            .replace("used_in: [protein_a]", "used_in: [cex]"))
    proj = PROJECT.replace("attributes: [aggregates, hcp]", "attributes: [aggregates, potency]")
    d = make(tmp_path, project=proj, process=proc,
             batches=BATCHES.replace("B2,small-scale,3,", "B2,small-scale,three,"))
    r = cli("validate", d)
    assert r.code == 2
    errs = errors(r)
    assert len(errs) == 5, r.err
    where = [re.match(r"error: (.+?):(\d+): ", e).groups() for e in errs]
    assert where == [
        (f"{d}/project.yaml", str(line_of(proj, "potency"))),
        (f"{d}/process.yaml", str(line_of(proc, "set_point: 37.5"))),
        (f"{d}/process.yaml", str(line_of(proc, "furlongs"))),
        (f"{d}/process.yaml", str(line_of(proc, "used_in"))),
        (f"{d}/data/batches.csv", "3"),
    ]
    j = cli("validate", d, "--json")
    assert j.code == 2
    assert len(j.json()["problems"]) == 5


def test_missing_folder_and_project_file(cli, tmp_path):
    err = only_error(cli("validate", tmp_path / "nope"))
    assert err == f"error: {tmp_path}/nope: not a project folder: expected a folder with project.yaml, found 'no such folder'"
    (tmp_path / "empty").mkdir()
    err = only_error(cli("validate", tmp_path / "empty"))
    assert err.startswith(f"error: {tmp_path}/empty/project.yaml: missing project.yaml")


def test_unknown_subfolders_are_ignored(cli, tmp_path):
    d = make(tmp_path)
    (d / "risk").mkdir()
    (d / "risk" / "fmea.csv").write_text("not,our,business\n1\n")
    (d / "doe").mkdir()
    assert cli("validate", d).code == 0


# ---------------------------------------------------------------- init
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_init_mab_creates_a_valid_project(cli, tmp_path, lang):
    d = tmp_path / "new"
    r = cli("init", d, "--modality", "mab", "--lang", lang, "--name", "My mAb")
    assert r.code == 0, r.err
    assert (d / "project.yaml").is_file() and (d / "process.yaml").is_file()
    v = cli("validate", d)
    assert v.code == 0, v.err
    from qbdkit.model import load_project

    p = load_project(d)
    assert p.name == "My mAb" and p.language == lang and p.template == "mab"
    temp = p.parameter("temperature", "production_bioreactor")
    assert temp.label.en == "Temperature" and temp.label.zh == "温度"


def test_init_names_the_project_after_its_folder(cli, tmp_path, monkeypatch):
    """Without --name the store identifier is the folder name (what a user types next),
    while the Chinese label stays for display."""
    monkeypatch.chdir(tmp_path)
    assert cli("init", "my-mab", "--modality", "mab", "--lang", "zh").code == 0
    from qbdkit.model import load_project

    p = load_project(tmp_path / "my-mab")
    assert p.name == "my-mab"
    assert p.label.zh
    assert cli("import", "my-mab", "--reason", "initial").code == 0
    r = cli("export", "my-mab", tmp_path / "out")
    assert r.code == 0, r.err
    assert load_project(tmp_path / "out") == p


def test_init_refuses_a_non_empty_folder(cli, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    err = only_error(cli("init", tmp_path / "x", "--modality", "mab"))
    assert err == f"error: {tmp_path}/x: folder is not empty: expected a new or empty folder, found '1 entries'"
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "x" / "project.yaml").exists()


def test_init_unknown_modality_and_language(cli, tmp_path):
    err = only_error(cli("init", tmp_path / "y", "--modality", "vaccine"))
    assert err == ("error: --modality: unknown modality: expected one of mab, adc, car-t, aav, "
                   "adenovirus, lentivirus, mrna-lnp, found 'vaccine'")
    err = only_error(cli("init", tmp_path / "y", "--modality", "mab", "--lang", "fr"))
    assert err == "error: --lang: unknown language: expected zh or en, found 'fr'"
    assert not (tmp_path / "y").exists()


def test_corrupt_xlsx_and_two_data_files(cli, tmp_path):
    d = make(tmp_path)
    (d / "data" / "batches.csv").unlink()
    (d / "data" / "batches.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    err = only_error(cli("validate", d))
    assert err == (f"error: {d}/data/batches.xlsx: not a readable XLSX workbook (BadZipFile)")
    (d / "data" / "batches.csv").write_text(BATCHES, encoding="utf-8")
    r = cli("validate", d)
    assert (f"error: {d}/data/batches.*: more than one data file: expected one of .csv/.tsv/.xlsx, "
            "found 'batches.csv, batches.xlsx'") in errors(r)


def test_init_json_lists_the_files(cli, tmp_path):
    r = cli("init", tmp_path / "j", "--modality", "mrna-lnp", "--json")
    assert r.code == 0
    doc = r.json()
    assert doc["modality"] == "mrna-lnp"
    assert sorted(Path(f).name for f in doc["files"]) == [
        "batches.csv", "measurements.csv", "process.yaml", "project.yaml"]
