"""The command line on a multi-user store: nobody acts as another (issue 10)."""

import json

import pytest


@pytest.fixture
def project(cli, db_url, login):
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import save_record

    create_project("mAb-1", user="sci", reason="new programme")
    save_record("mAb-1", "doe.analysis", "titer", {"r2": 0.93}, user="sci", reason="first")
    return "mAb-1"


def test_no_write_without_sign_in(cli, project, tmp_path):
    r = cli("records", "list", project)
    assert r.code == 2 and "not signed in" in r.err and "Traceback" not in r.err
    r = cli("risk", "ce", tmp_path / "x.csv", "--project", project)
    assert r.code == 2


def test_qbdkit_user_does_not_choose_who_acts(cli, project, login, monkeypatch):
    login("view")
    monkeypatch.setenv("QBDKIT_USER", "sci")
    r = cli("records", "list", project)
    assert r.code == 2 and "QBDKIT_USER does not choose who acts" in r.err
    monkeypatch.delenv("QBDKIT_USER")
    assert cli("records", "list", project).code == 0
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "authored",
            "--password-stdin", input="Copper-kettle-2031\n")  # sci's password, as viewer
    assert r.code == 2 and "role viewer" in r.err


def test_forged_and_expired_tokens(cli, project, login, db_url):
    from sqlalchemy import text

    from qbdkit.cli.session import read_token, write_token
    from qbdkit.services.auth import store_info
    from qbdkit.store.db import get_engine

    login("sci")
    sid = store_info().store_id
    token = read_token(sid)
    write_token(sid, token[:-4] + "AAAA")
    r = cli("records", "list", project)
    assert r.code == 2 and "not a session of this store" in r.err
    write_token(sid, token)
    assert cli("records", "list", project).code == 0
    with get_engine(db_url).begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen = :t"),
                     {"t": "2020-01-01 00:00:00.000000" if conn.dialect.name == "sqlite"
                      else "2020-01-01 00:00:00+00"})
    r = cli("records", "list", project)
    assert r.code == 2 and "expired" in r.err
    assert cli("logout").code == 0


def test_scientist_authors_reviewer_reviews_qa_approves(cli, project, login, team):
    login("sci")
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "authored",
            "--password-stdin", input=team["sci"] + "\n")
    assert r.code == 0, r.err
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "reviewed",
            "--password-stdin", input=team["sci"] + "\n")
    assert r.code == 2 and "may not review" in r.err
    login("rev")
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "reviewed",
            "--password-stdin", input="not-my-password\n")
    assert r.code == 2 and "wrong password" in r.err
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "reviewed", "--reason",
            "model checked", "--password-stdin", input=team["rev"] + "\n")
    assert r.code == 0, r.err
    login("qa")
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "approved",
            "--password-stdin", "--json", input=team["qa"] + "\n")
    assert r.code == 0 and r.json()["state"] == "approved"
    r = cli("records", "show", project, "doe.analysis", "titer")
    assert r.code == 0
    for line in ("authored  Sam Scientist (sci)", "reviewed  Rita Reviewer (rev)",
                 "approved  Quinn QA (qa)"):
        assert line in r.out
    r = cli("records", "verify", project)
    assert r.code == 0 and r.out.count("yes") == 3
    r = cli("records", "list", project, "--json")
    assert r.json()["records"][0]["state"] == "approved"
    r = cli("sign", project, "doe.analysis", "titer", "--meaning", "approved",
            "--password-stdin", input=team["qa"] + "\n")
    assert r.code == 2 and "cannot be signed approved now" in r.err


@pytest.mark.parametrize(("args", "words"), [
    (("sign", "mAb-1", "doe.analysis", "titer", "--meaning", "blessed"),
     "unknown signature meaning"),
    (("sign", "mAb-1", "doe.analysis", "ghost", "--meaning", "authored"), "no such record"),
    (("records", "show", "mAb-1", "doe.analysis", "titer", "--version", "9"),
     "no such record version"),
    (("login", "ghost"), "unknown user or wrong password"),
])
def test_bad_input_is_one_line(cli, project, login, team, args, words):
    login("sci")
    r = cli(*args, "--password-stdin", input=team["sci"] + "\n") if args[0] in (
        "sign", "login") else cli(*args)
    assert r.code == 2, (r.out, r.err)
    assert words in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_audit_log_filters_and_export(cli, project, login, tmp_path):
    login("qa")
    r = cli("audit", "log", "--user", "sci", "--action", "record", "--json")
    entries = r.json()["entries"]
    assert [e["action"] for e in entries] == ["record.save"]
    assert "r2: 0.93" in entries[0]["changes"]
    r = cli("audit", "log", "--since", "2000-01-01", "--until", "2000-12-31", "--json")
    assert r.json()["entries"] == []
    r = cli("audit", "log", "--since", "yesterday")
    assert r.code == 2 and "not a date" in r.err
    assert cli("audit", "log", "--out", tmp_path / "trail.xlsx").code == 0
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "trail.xlsx").active
    assert [c.value for c in ws[1]][:4] == ["id", "at", "user", "action"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert cli("audit", "log", "--out", tmp_path / "trail.csv").code == 0
    text = (tmp_path / "trail.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM
    assert json.dumps("record.save")[1:-1].encode() in text
