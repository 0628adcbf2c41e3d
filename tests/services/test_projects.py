"""Projects in the store: import all-or-nothing, versions, export round trip without loss."""

import datetime as dt
import importlib.util
import unicodedata
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from qbdkit.errors import QbdInputError
from qbdkit.model import (
    Batch,
    Label,
    Measurement,
    Parameter,
    Process,
    Product,
    Project,
    QualityAttribute,
    Range,
    UnitOperation,
    check_folder,
    load_project,
    save_project,
)
from qbdkit.services.audit import audit_log, verify_audit
from qbdkit.services.projects import (
    create_project,
    export_project,
    import_project,
    list_projects,
    project_document,
)
from qbdkit.store.db import dump_tables

# The MODEL area's generator of internally consistent projects (tests/model/strategies.py).
_spec = importlib.util.spec_from_file_location(
    "qbdkit_tests_model_strategies", Path(__file__).parents[1] / "model" / "strategies.py")
strategies = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(strategies)


def sample_project(name: str = "mAb-1 工艺表征", titer_high: float = 8.0) -> Project:
    bioreactor = UnitOperation(
        name="production bioreactor", label=Label(en="Production bioreactor", zh="生产反应器"),
        parameters=[Parameter(name="temperature", label=Label(zh="温度"), unit="°C",
                              set_point=36.5, nor=Range(low=36.0, high=37.0),
                              par=Range(low=35.0, high=38.0), studied=Range(low=34.0, high=39.0)),
                    Parameter(name="feed", type="categorical", levels=["A", "B"], set_point="A")])
    return Project(
        name=name, label=Label(en="mAb-1", zh="单抗一号"), language="zh",
        product=Product(name="mAb-1", modality="mab", route="IV"),
        quality_attributes=[QualityAttribute(name="HCP", label=Label(zh="宿主细胞蛋白"),
                                             unit="ng/mg", method="ELISA")],
        process=Process(unit_operations=[bioreactor]),
        batches=[Batch(id="B001", kind="at-scale", scale=2000.0, scale_unit="L",
                       date=dt.date(2026, 3, 1), site="苏州")],
        measurements=[Measurement(batch="B001", unit_operation="production bioreactor",
                                  name="temperature", time=24.0, time_unit="h", value=36.4,
                                  unit="°C"),
                      Measurement(batch="B001", name="HCP", value=titer_high, unit="ng/mg")])


AREA_FILES = {
    "risk/fmea.csv": "步骤,失效模式,S,O,D\n生产反应器,温度偏移,8,3,4\n".encode("gb18030"),
    "doe/results.xlsx": bytes(range(256)) * 4,  # any bytes: stored as they are
    "README.md": b"# mAb-1\n",
    "sdm/deep/er/notes.txt": b"",
}


@pytest.fixture
def db_url(db_url, make_team):
    """Every store of these tests is multi-user with one user per role (sci authors)."""
    make_team(db_url)
    return db_url


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "proj"
    save_project(sample_project(), d)
    for rel, data in AREA_FILES.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(data)
    (d / ".git").mkdir()
    (d / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return d


def files_under(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file()}


def test_area_files_are_stored_byte_for_byte(folder, db_url, tmp_path):
    first = import_project(folder, user="sci")
    assert project_document(first.project)["files"] == AREA_FILES  # not .git, not model files
    assert first.files == sorted(AREA_FILES)
    assert export_project(first.project, tmp_path / "out").files == sorted(AREA_FILES)
    exported = files_under(tmp_path / "out")
    for rel, data in AREA_FILES.items():
        assert exported[rel] == data
    assert load_project(tmp_path / "out") == sample_project()
    assert ".git/HEAD" not in exported
    # the exported folder imports as the same content
    again = import_project(tmp_path / "out", user="sci")
    assert (again.version, again.unchanged) == (1, True)  # no new version for the same content
    # a changed area file alone makes a changed version, named in the audit entry
    (tmp_path / "out" / "risk" / "fmea.csv").write_bytes(b"step,mode,S,O,D\n")
    third = import_project(tmp_path / "out", user="sci", reason="FMEA re-scored")
    assert (third.version, third.unchanged) == (2, False)
    entry = audit_log(first.project).entries[-1]
    assert '"changed_files":["risk/fmea.csv"]' in entry["new"]
    assert 'changed_files: ∅ → ["risk/fmea.csv"]' in entry["changes"]
    assert "risk/fmea.csv" in audit_log(first.project).summary()
    assert verify_audit().intact


def test_importing_the_folder_that_holds_the_store_skips_the_store(folder, monkeypatch):
    monkeypatch.chdir(folder)
    monkeypatch.delenv("QBDKIT_DATABASE_URL", raising=False)  # default ./qbdkit.sqlite
    try:
        from qbdkit.services.auth import local_user

        imported = import_project(".", user=local_user())  # the single-user default store
        files = project_document(imported.project)["files"]
        assert set(files) == set(AREA_FILES)
        assert (folder / "qbdkit.sqlite").exists()
    finally:
        from qbdkit.store import dispose

        dispose()


def test_bundled_demo_project_round_trips(db_url, tmp_path):
    import qbdkit.demo

    demo = Path(qbdkit.demo.__file__).parent / "mab"
    if not (demo / "project.yaml").exists():
        pytest.skip("bundled demo project not present yet")
    imported = import_project(demo, user="sci", reason="demo")
    export_project(imported.project, tmp_path / "out")
    original, exported = files_under(demo), files_under(tmp_path / "out")
    area = {k for k in original if "/" in k and not k.startswith("data/")} | {
        k for k in original if k.endswith(".md")}
    area = {k for k in area if "__pycache__" not in k}
    assert area and all(exported[k] == original[k] for k in area)
    assert load_project(tmp_path / "out") == load_project(demo)


def test_import_then_reimport_supersedes(folder, db_url):
    first = import_project(folder, user="sci", reason="initial")
    assert (first.project, first.version, first.unchanged) == ("mAb-1 工艺表征", 1, False)
    second = import_project(folder, user="sci")
    # identical content: no new version, no audit entry, and it says so
    assert (second.version, second.unchanged, second.sha256) == (1, True, first.sha256)
    assert "no new version" in second.summary()
    # a changed folder is version 2; version 1 stays
    save_project(sample_project(titer_high=9.5), folder.parent / "v3")
    third = import_project(folder.parent / "v3", user="sci", reason="new HCP result")
    assert (third.version, third.unchanged) == (2, False)
    assert project_document(third.project, 1)["sha256"] == first.sha256
    actions = [(e["action"], e["reason"]) for e in audit_log(third.project).entries]
    assert actions == [("project.create", "initial"), ("project.import", "initial"),
                       ("project.import", "new HCP result")]
    assert '"changed_sections":["measurements"]' in audit_log(third.project).entries[-1]["new"]
    assert list_projects().projects[0]["versions"] == 2
    assert verify_audit().intact


def test_export_round_trip_and_older_version(folder, db_url, tmp_path):
    import_project(folder, user="sci")
    save_project(sample_project(titer_high=9.5), tmp_path / "changed")
    import_project(tmp_path / "changed", user="sci")
    out = export_project("mAb-1 工艺表征", tmp_path / "out")
    assert out.version == 2
    assert load_project(tmp_path / "out") == sample_project(titer_high=9.5)
    export_project("mAb-1 工艺表征", tmp_path / "old", version=1)
    assert load_project(tmp_path / "old") == sample_project()


def test_export_refuses_a_non_empty_folder_and_unknown_names(folder, db_url, tmp_path):
    import_project(folder, user="sci")
    with pytest.raises(QbdInputError, match="not empty"):
        export_project("mAb-1 工艺表征", folder)
    with pytest.raises(QbdInputError, match="unknown project"):
        export_project("nope", tmp_path / "x")
    with pytest.raises(QbdInputError, match="no such project version") as err:
        export_project("mAb-1 工艺表征", tmp_path / "y", version=7)
    assert err.value.first.expected == "1…1"
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert not list(tmp_path.glob(".qbdkit-export-*"))


def test_failed_imports_leave_the_database_exactly_as_before(folder, db_url, tmp_path,
                                                             monkeypatch):
    import_project(folder, user="sci")

    before = dump_tables()
    # 1. a malformed folder
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "project.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(QbdInputError):
        import_project(bad, user="sci")
    with pytest.raises(QbdInputError, match="not a project folder"):
        import_project(tmp_path / "missing", user="sci")
    # 2. a user without the right
    with pytest.raises(QbdInputError, match="role viewer"):
        import_project(folder, user="view")
    # 3. a failure after the project row and version are written, inside the transaction
    import qbdkit.services.projects as projects

    calls = {"n": 0}
    real = projects.append_entry

    def fail_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(projects, "append_entry", fail_on_second)
    save_project(sample_project(name="brand new"), tmp_path / "new")
    with pytest.raises(RuntimeError):
        import_project(tmp_path / "new", user="sci")
    assert calls["n"] == 2  # project row + create entry + version were written, then rolled back
    assert dump_tables() == before


def test_create_project(db_url):
    pid = create_project("p", user="sci", reason="r", document={"a": 1})
    assert isinstance(pid, int)
    assert project_document("p")["document"] == {"a": 1}
    with pytest.raises(QbdInputError, match="already exists"):
        create_project("p", user="sci", reason="r")
    with pytest.raises(QbdInputError, match="empty project name"):
        create_project(" ", user="sci", reason="r")
    create_project("q", user="sci", reason="r")
    with pytest.raises(QbdInputError, match="no such project version"):
        project_document("q")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(project=strategies.projects(), name=strategies.project_names)
def test_generated_projects_round_trip_through_the_store(project, name, db_url, tmp_path):
    # the store takes names by one rule (_check_name); the model itself takes any text
    project = project.model_copy(update={"name": unicodedata.normalize("NFC", name)})
    work = tmp_path / uuid.uuid4().hex
    save_project(project, work / "in")
    # The MODEL strategy can name a parameter and an attribute alike, which the folder
    # checks then reject (reported to the MODEL area); such a project is not importable,
    # so it says nothing about the store and is skipped.
    assume(check_folder(work / "in").problems == [])
    imported = import_project(work / "in", user="sci")
    stored = project_document(imported.project, imported.version)
    assert stored["document"] == project.model_dump(mode="json")
    assert Project.model_validate(stored["document"]) == project
    export_project(imported.project, work / "out", version=imported.version)
    assert load_project(work / "out") == project


def test_new_version_audits_each_changed_path(db_url, tmp_path):
    """Issue 9 item 3: the audit entry of a new version lists each changed path old → new,
    and `project_diff` gives the same list."""
    from qbdkit.model.schema import Criterion
    from qbdkit.services.projects import project_diff

    def version(high: float, folder: str) -> Path:
        p = sample_project()
        p.quality_attributes[0].acceptance = [Criterion(stage="DS release", high=high)]
        save_project(p, tmp_path / folder)
        return tmp_path / folder

    first = import_project(version(3.0, "v1"), user="sci", reason="initial")
    second = import_project(version(2.5, "v2"), user="sci", reason="tighter limit")
    assert (second.version, second.unchanged) == (2, False)
    path = "quality_attributes[HCP].acceptance[0].high"
    entry = audit_log(first.project).entries[-1]
    assert entry["changes"].startswith(f"fields.{path}: 3.0 → 2.5; ")
    diff = project_diff(first.project, 1, 2)
    assert diff.changes == [{"path": path, "old": 3.0, "new": 2.5}]
    assert diff.summary().splitlines()[1] == f"  {path}: 3.0 → 2.5"
    assert project_diff(first.project, 2, 2).summary().endswith("identical")
    assert verify_audit().intact
