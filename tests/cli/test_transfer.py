"""`qbdkit import|export|projects|user`: as a new user would try them."""

import importlib.util
from pathlib import Path

from qbdkit.model import load_project, save_project

_spec = importlib.util.spec_from_file_location(
    "qbdkit_tests_services_projects", Path(__file__).parents[1] / "services" / "test_projects.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
sample_project = _mod.sample_project


def test_import_export_round_trip(cli, db_url, login, tmp_path):
    login("sci")
    save_project(sample_project(), tmp_path / "proj")
    r = cli("import", tmp_path / "proj", "--reason", "first import")
    assert r.code == 0, r.err
    assert "as project 'mAb-1 工艺表征' version 1" in r.out
    r = cli("import", tmp_path / "proj", "--json")  # the same content: no new version
    assert r.code == 0 and r.json()["version"] == 1 and r.json()["unchanged"] is True
    r = cli("import", tmp_path / "proj")
    assert r.code == 0 and "no new version" in r.out
    r = cli("projects", "--json")
    assert r.json()["projects"][0]["versions"] == 1
    save_project(sample_project(titer_high=9.5), tmp_path / "proj2")
    r = cli("import", tmp_path / "proj2", "--reason", "new HCP result")
    assert r.code == 0 and "version 2" in r.out
    r = cli("diff", "mAb-1 工艺表征", "1", "2")
    assert r.code == 0 and "version 1 → 2" in r.out and "measurements" in r.out
    r = cli("diff", "mAb-1 工艺表征", "1", "2", "--json")
    assert r.code == 0 and r.json()["changes"] and r.json()["new_version"] == 2
    assert cli("diff", "mAb-1 工艺表征", "1", "7").code == 2
    r = cli("export", "mAb-1 工艺表征", tmp_path / "out", "--version", "1")
    assert r.code == 0, r.err
    assert "version 1" in r.out
    assert load_project(tmp_path / "out") == sample_project()
    r = cli("export", "mAb-1 工艺表征", tmp_path / "v1", "--version", "1", "--json")
    assert r.code == 0 and r.json()["version"] == 1
    r = cli("audit", "log", "--project", "mAb-1 工艺表征", "--json")
    assert [e["action"] for e in r.json()["entries"]] == [
        "project.create", "project.import", "project.import"]
    assert cli("audit", "verify").code == 0


def test_single_user_store_acts_as_the_operating_system_user(cli, tmp_path):
    from qbdkit.services.auth import os_user_name

    save_project(sample_project(), tmp_path / "proj")
    assert cli("import", tmp_path / "proj").code == 0
    r = cli("audit", "log", "--json")
    assert r.json()["entries"][-1]["user"] == os_user_name()
    r = cli("import", tmp_path / "proj", "--user", "qa")  # no longer an option at all
    assert r.code == 2 and "No such option" in r.err
    r = cli("login", "admin", "--password-stdin", input="whatever-password\n")
    assert r.code == 2 and "single-user" in r.err


def test_input_errors_are_one_line_exit_2(cli, db_url, login, tmp_path):
    login("sci")
    r = cli("import", tmp_path / "nowhere")
    assert r.code == 2 and r.err.startswith("error: ") and "not a project folder" in r.err
    assert "Traceback" not in r.err
    r = cli("export", "ghost", tmp_path / "out")
    assert r.code == 2 and "unknown project" in r.err and "qbdkit import DIR" in r.err
    assert r.err.count("\n") == 1
    save_project(sample_project(), tmp_path / "proj")
    assert cli("import", tmp_path / "proj").code == 0
    r = cli("export", "mAb-1 工艺表征", tmp_path / "proj")
    assert r.code == 2 and "not empty" in r.err


def test_users_and_roles(cli, db_url, login, tmp_path, monkeypatch):
    login("admin")
    r = cli("user", "list", "--json")
    assert r.code == 0 and [u["name"] for u in r.json()["users"]] == [
        "admin", "sci", "rev", "qa", "view"]
    pw = "Initial-pass-1234\n"
    assert cli("user", "add", "wang", "--role", "viewer", "--password-stdin", input=pw).code == 0
    r = cli("user", "add", "zhang", "--role", "scientist", "--full-name", "张伟",
            "--password-stdin", "--json", input=pw)
    assert r.code == 0 and r.json() == {"name": "zhang", "role": "scientist"}
    r = cli("user", "add", "x", "--role", "chief", "--password-stdin", input=pw)
    assert r.code == 2 and "unknown role" in r.err
    r = cli("user", "add", "y", "--role", "qa", "--password-stdin", input="short\n")
    assert r.code == 2 and "password too short" in r.err
    login("sci")
    r = cli("user", "add", "y", "--role", "qa", "--password-stdin", input=pw)
    assert r.code == 2 and "may not manage users" in r.err
    save_project(sample_project(), tmp_path / "proj")
    login("view")
    r = cli("import", tmp_path / "proj")
    assert r.code == 2 and "role viewer" in r.err
    # zhang must change the initial password at the first sign-in
    r = cli("login", "zhang", "--password-stdin", input=pw)
    assert r.code == 2 and "must be changed" in r.err
    r = cli("login", "zhang", "--password-stdin", input=pw + "Peony-river-new-99\n")
    assert r.code == 0, r.err
    assert cli("import", tmp_path / "proj").code == 0
    r = cli("user", "list")
    assert "zhang" in r.out and "张伟" in r.out
    r = cli("audit", "log", "--json")
    assert [(e["user"], e["action"]) for e in r.json()["entries"]][-4:] == [
        ("zhang", "user.password"), ("zhang", "auth.login"), ("zhang", "project.create"),
        ("zhang", "project.import")]


def test_role_change_is_audited_and_keeps_one_admin(cli, db_url, login):
    login("admin")
    r = cli("user", "role", "sci", "--role", "viewer", "--reason", "left the team", "--json")
    assert r.code == 0 and r.json() == {"name": "sci", "old_role": "scientist", "role": "viewer"}
    r = cli("audit", "log", "--json")
    last = r.json()["entries"][-1]
    assert (last["action"], last["entity"], last["reason"]) == ("user.role", "user:sci",
                                                               "left the team")
    assert '"role":"scientist"' in last["old"] and '"role":"viewer"' in last["new"]
    assert "role: scientist → viewer" in last["changes"]
    r = cli("user", "role", "admin", "--role", "qa", "--reason", "x")
    assert r.code == 2 and "last admin" in r.err
    r = cli("user", "role", "sci", "--role", "qa", "--reason", " ")
    assert r.code == 2 and "reason is required" in r.err
    r = cli("user", "role", "ghost", "--role", "qa", "--reason", "x")
    assert r.code == 2 and "unknown user" in r.err
    login("rev")
    r = cli("user", "role", "sci", "--role", "qa", "--reason", "x")
    assert r.code == 2 and "may not manage users" in r.err
    assert cli("audit", "verify").code == 0
