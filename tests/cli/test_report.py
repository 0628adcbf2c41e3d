"""`qbdkit report P [--lang] [--format] [--out] [--version] [--json]`."""

from __future__ import annotations

import hashlib
import io

from qbdkit.demo.run import PROJECT_DIR


def test_report_on_the_single_user_store(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("import", PROJECT_DIR).code == 0
    r = cli("report", "demo-mab")
    assert r.code == 0, r.err
    html = (tmp_path / "demo-mab-report.html").read_text(encoding="utf-8")
    assert "Process development report — QB-101" in html and "3 Process parameters" in html
    assert "report written: demo-mab-report.html" in r.err

    r = cli("report", "demo-mab", "--lang", "zh", "--out", "out/r.docx", "--json")
    assert r.code == 0, r.err
    meta = r.json()
    data = (tmp_path / "out" / "r.docx").read_bytes()
    assert meta["format"] == "docx" and meta["lang"] == "zh" and "content" not in meta
    assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["size"] == len(data)
    import docx

    d = docx.Document(io.BytesIO(data))
    assert len(d.tables) == meta["tables"]
    assert any(p.text == "3 工艺参数" for p in d.paragraphs)

    r = cli("report", "demo-mab", "-f", "pdf", "--out", "r.pdf")
    assert r.code == 0, r.err
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_bad_requests_exit_2(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("import", PROJECT_DIR).code == 0
    for args, words in [(("nope",), "unknown project"),
                        (("demo-mab", "--format", "xls"), "unknown report format"),
                        (("demo-mab", "--version", "3"), "no such project version")]:
        r = cli("report", *args)
        assert r.code == 2, (args, r.err)
        assert words in r.err and "Traceback" not in r.err
        assert len(r.err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*-report.*"))


def test_viewer_reports_on_a_multi_user_store(cli, db_url, team, login, tmp_path):
    """SQLite and PostgreSQL: a viewer may read and report; without a sign-in, nothing."""
    import numpy as np

    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import run_and_store
    from qbdkit.services.signatures import sign
    from qbdkit.services.spc import ChartRequest

    import_project(PROJECT_DIR, user="sci", url=db_url)
    csv = tmp_path / "titer.csv"
    rng = np.random.default_rng(3)
    csv.write_text("batch,titer\n" + "".join(f"B{i},{5 + 0.1 * rng.standard_normal():.3f}\n"
                                             for i in range(20)), encoding="utf-8")
    _result, stored = run_and_store("cpv.chart", ChartRequest(file=csv, value="titer",
                                                              batch="batch"),
                                    Context(user="sci", url=db_url), project="demo-mab",
                                    name="titer", reason="chart")
    sign("demo-mab", "cpv.chart", "titer", meaning="authored", password=team["sci"],
         user="sci", url=db_url)

    out = tmp_path / "r.html"
    r = cli("report", "demo-mab", "--out", out)
    assert r.code == 2 and "not signed in" in r.err
    login("view")
    r = cli("report", "demo-mab", "--out", out)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert stored.sha256 in html and "Sam Scientist (sci)" in html and "titer.csv" in html
    assert "Report made by</td><td>view" in html
