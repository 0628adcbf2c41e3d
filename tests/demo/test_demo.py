"""`qbdkit demo` imports the bundled project, runs the stage modules into the embedded store
and writes its report with the project report service — one code path."""

import re
import sqlite3

from qbdkit.services.base import Context
from qbdkit.services.report import ReportRequest, collect


def test_demo_end_to_end_twice(cli, tmp_path, monkeypatch):
    out = tmp_path / "nested" / "demo"
    r = cli("demo", "--out", out)
    assert r.code == 0, r.err
    assert "report written" in r.out
    report = (out / "report.html").read_text(encoding="utf-8")
    url = f"sqlite:///{out / 'qbdkit.sqlite'}"
    data = collect(ReportRequest(project="demo-mab"), Context(url=url))
    # the report is the project report of the stored project and records …
    for anchor in ("product", "cqa", "parameters", "stage-risk", "signatures",
                   "reproducibility", "audit"):
        assert f'id="{anchor}"' in report, anchor
    assert data.records, "the demo stores its analyses as records"
    for record in data.records:
        assert record["sha256"] in report
    # … in the order of the flow, every stage of the demo with its stored records
    stages = [f'id="stage-{s}"' for s in ("risk", "sdm", "doe", "design-space", "stability",
                                          "comparability", "change", "operations")]
    positions = [report.index(s) for s in stages]
    assert positions == sorted(positions)
    # the parameter table shows the PAR / NOR / set point the design space produced and the
    # DoE stage accepted into the project (temperature: PAR 35–36.31, NOR 35.3–35.9 °C)
    params = report[report.index('id="parameters"'):report.index('id="stage-')]
    row = params[params.index("<td>Temperature</td>"):]
    cells = re.sub(r"<[^>]+>", "|", row[:row.index("</tr>")]).replace("||", "|").split("|")
    assert cells[1:8] == ["Temperature", "°C", "35.6", "35.3–35.9", "35–36.31", "35–37", "CPP"]
    assert "audit trail intact" in report

    # A second run imports the bundled content again into the same database: new versions
    # supersede the old ones (nothing deleted), and the hash chain is still intact.
    def versions():
        con = sqlite3.connect(out / "qbdkit.sqlite")
        rows = [v for (v,) in con.execute(
            "select v.version from project_versions v join projects p on p.id = v.project_id "
            "where p.name = 'demo-mab' order by v.version")]
        con.close()
        return rows

    first = versions()
    assert first == list(range(1, len(first) + 1))
    assert f"{data.project['version']} of {len(first)}" in report  # the newest version
    r2 = cli("demo", "--out", out)
    assert r2.code == 0, r2.err
    second = versions()
    assert second == list(range(1, len(second) + 1)) and len(second) > len(first)
    monkeypatch.setenv("QBDKIT_DATABASE_URL", f"sqlite:///{out / 'qbdkit.sqlite'}")
    verify = cli("audit", "verify")
    assert verify.code == 0, verify.err
    assert "intact" in verify.out


def test_demo_writes_pdf_and_docx_on_request(cli, tmp_path, monkeypatch):
    import qbdkit.demo.stages as stages

    monkeypatch.setattr(stages, "STAGE_MODULES", [])  # the formats, not the stages, are tested
    out = tmp_path / "demo"
    r = cli("demo", "--out", out, "--format", "pdf,docx", "--lang", "zh")
    assert r.code == 0, r.err
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "report.docx").read_bytes().startswith(b"PK")
    assert not (out / "report.html").exists()
    bad = cli("demo", "--out", out, "--format", "odt")
    assert bad.code == 2 and "unknown report format" in bad.err
