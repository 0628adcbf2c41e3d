"""Project folder layout: which files are read and written, and what is left alone."""

from __future__ import annotations

from qbdkit.model import check_folder, load_project, save_project
from qbdkit.templates import new_project


def _errors(d):
    return [str(p) for p in check_folder(d).problems]


def test_save_writes_the_layout_and_leaves_area_folders_alone(tmp_path):
    (tmp_path / "risk").mkdir()
    (tmp_path / "risk" / "fmea.csv").write_text("mine\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "batches.xlsx").write_bytes(b"stale")
    written = save_project(new_project("mab", name="p"), tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "data/batches.csv", "data/measurements.csv", "process.yaml", "project.yaml"]
    assert (tmp_path / "risk" / "fmea.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "data" / "batches.xlsx").exists()   # one source of truth
    assert load_project(tmp_path).name == "p"


def test_process_yaml_is_optional(tmp_path):
    (tmp_path / "project.yaml").write_text(
        "name: one-file\nproduct: {name: x, modality: adc}\n"
        "process:\n  unit_operations:\n    - name: conjugation\n", encoding="utf-8")
    p = load_project(tmp_path)
    assert [u.name for u in p.process.unit_operations] == ["conjugation"]
    assert p.batches == [] and p.measurements == []


def test_a_key_in_both_yaml_files_is_reported(tmp_path):
    save_project(new_project("mab", name="p"), tmp_path)
    text = (tmp_path / "process.yaml").read_text(encoding="utf-8")
    (tmp_path / "process.yaml").write_text(text + "name: other\n", encoding="utf-8")
    line = len(text.splitlines()) + 1
    assert _errors(tmp_path) == [
        f"{tmp_path}/process.yaml:{line}: name: key defined twice: expected name in one file only "
        f"(also in {tmp_path}/project.yaml), found 'name'"]


def test_batches_in_yaml_are_pointed_to_the_data_file(tmp_path):
    (tmp_path / "project.yaml").write_text(
        "name: p\nproduct: {name: x, modality: mab}\nbatches: [{id: B1, kind: PPQ}]\n",
        encoding="utf-8")
    assert _errors(tmp_path) == [
        f"{tmp_path}/project.yaml:3: batches: data belongs in a data file: expected "
        "data/batches.csv, found 'batches: in project.yaml'"]


def test_empty_and_non_mapping_yaml(tmp_path):
    (tmp_path / "project.yaml").write_text("", encoding="utf-8")
    errs = _errors(tmp_path)
    assert f"{tmp_path}/project.yaml: name: missing field: expected a value" in errs
    (tmp_path / "project.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert _errors(tmp_path) == [
        f"{tmp_path}/project.yaml:1: wrong type: expected a mapping of keys (name:, product:, …), "
        "found 'list'"]


def test_extra_columns_pass_through(tmp_path):
    save_project(new_project("mab", name="p"), tmp_path)
    (tmp_path / "data" / "batches.csv").write_text(
        "批号,类型,操作员\nB1,PPQ,张三\n", encoding="gb18030")
    (tmp_path / "data" / "measurements.csv").write_text(
        "批号,工序,项目,结果,单位,方法\nB1,protein_a,load,35,g/L resin,UV\n", encoding="utf-8")
    p = load_project(tmp_path)
    assert p.batches[0].extra == {"操作员": "张三"}
    assert p.measurements[0].extra == {"方法": "UV"}
    save_project(p, tmp_path / "again")
    assert load_project(tmp_path / "again") == p
