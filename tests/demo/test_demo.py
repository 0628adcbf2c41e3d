"""`qbdkit demo` runs every stage into the embedded store and writes one report."""

import sqlite3

from qbdkit.demo.run import STAGES


def test_demo_end_to_end_twice(cli, tmp_path, monkeypatch):
    out = tmp_path / "nested" / "demo"
    r = cli("demo", "--out", out)
    assert r.code == 0, r.err
    assert "report written" in r.out
    report = (out / "report.html").read_text(encoding="utf-8")
    for anchor in ["project", *[a for a, _t, _m in STAGES], "audit"]:
        assert f'id="{anchor}"' in report, anchor
    assert "Not yet available" not in report
    assert "audit trail intact" in report

    # A second run imports the same content again into the same database: no new project
    # version (identical content), and the hash chain is still intact.
    r2 = cli("demo", "--out", out)
    assert r2.code == 0, r2.err
    con = sqlite3.connect(out / "qbdkit.sqlite")
    versions = [v for (v,) in con.execute("select version from project_versions order by version")]
    con.close()
    assert versions == [1]
    monkeypatch.setenv("QBDKIT_DATABASE_URL", f"sqlite:///{out / 'qbdkit.sqlite'}")
    verify = cli("audit", "verify")
    assert verify.code == 0, verify.err
    assert "intact" in verify.out
