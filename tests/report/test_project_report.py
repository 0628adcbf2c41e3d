"""The project report (``qbdkit report``): HTML, PDF (WeasyPrint, pdftotext) and DOCX
(python-docx) of a stored project with risk records, CPV records with input files, and
signatures by three people.

The store is built once per module (a multi-user SQLite store with the team of
``tests/conftest.py``); tests that alter it build their own.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qbdkit.demo.run import PROJECT_DIR
from qbdkit.i18n import catalogue
from qbdkit.services.base import Context
from qbdkit.services.report import ReportRequest, collect, project_report

PROJECT = "demo-mab"


def build_store(url: str, folder: Path, make_team) -> dict:
    """Project ``demo-mab`` with risk records, two CPV records (with input files) and
    signatures: the chart approved (sci authored, rev reviewed, qa approved), the FMEA in
    review (sci authored)."""
    import numpy as np

    from qbdkit.services.kinds import get_kind
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import run_and_store
    from qbdkit.services.risk import store_folder
    from qbdkit.services.signatures import sign
    from qbdkit.services.spc import ChartRequest

    folder.mkdir(parents=True, exist_ok=True)
    pw = make_team(url)
    import_project(PROJECT_DIR, user="sci", url=url)
    store_folder(PROJECT, PROJECT_DIR / "risk", user="sci", reason="risk assessments", url=url)
    ctx = Context(user="sci", url=url)
    run_and_store("cpv.capability", get_kind("cpv.capability").example(folder), ctx,
                  project=PROJECT, name="flow-width", reason="capability")
    rng = np.random.default_rng(1)
    csv = folder / "titer.csv"
    csv.write_text("batch,titer\n" + "".join(
        f"B{i:02d},{5 + 0.2 * rng.standard_normal():.3f}\n" for i in range(30)),
        encoding="utf-8")
    run_and_store("cpv.chart", ChartRequest(file=csv, value="titer", batch="batch"), ctx,
                  project=PROJECT, name="titer", reason="control chart")
    for meaning, who in (("authored", "sci"), ("reviewed", "rev"), ("approved", "qa")):
        sign(PROJECT, "cpv.chart", "titer", meaning=meaning, password=pw[who], user=who,
             url=url)
    sign(PROJECT, "risk.fmea", "fmea", meaning="authored", password=pw["sci"], user="sci",
         url=url)
    return pw


def _make_team(config):
    """``make_team`` of tests/conftest.py (a plugin module; the fixture is function-scoped)."""
    for plugin in config.pluginmanager.get_plugins():
        if callable(getattr(plugin, "make_team", None)) and hasattr(plugin, "PASSWORDS"):
            return plugin.make_team
    raise AssertionError("tests/conftest.py make_team not found")


@pytest.fixture(scope="module")
def store(tmp_path_factory, request):
    make_team = _make_team(request.config)
    base = tmp_path_factory.mktemp("report-store")
    url = f"sqlite:///{base / 'store.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QBDKIT_CONFIG_DIR", str(base / "config"))
        mp.setenv("QBDKIT_ARGON2_PROFILE", "fast")
        build_store(url, base / "inputs", make_team)
    return {"url": url, "config": base / "config"}


@pytest.fixture
def rich(store, monkeypatch):
    """The module's store, with its config folder (audit keys) for this test."""
    monkeypatch.setenv("QBDKIT_CONFIG_DIR", str(store["config"]))
    return store


def report(url: str, lang: str = "en", fmt: str = "html", **kw):
    return project_report(ReportRequest(project=PROJECT, lang=lang, format=fmt, **kw),
                          Context(user="view", url=url))


EN_HEADINGS = ["1 Product and quality target product profile (QTPP)",
               "2 Quality attributes and critical quality attributes (CQA)",
               "3 Process parameters", "4 Risk assessment",
               "5 Continued process verification (CPV)", "6 Signatures", "7 Reproducibility",
               "8 Project history and audit trail"]
ZH_HEADINGS = ["1 产品与目标产品质量概况（QTPP）", "2 质量属性与关键质量属性（CQA）",
               "3 工艺参数", "4 风险评估", "5 持续工艺确认（CPV）", "6 签名", "7 可重现性",
               "8 项目历史与审计追踪"]


def _in_order(text: str, items: list[str]) -> None:
    positions = [text.find(i) for i in items]
    assert all(p >= 0 for p in positions), [i for i, p in zip(items, positions, strict=True)
                                             if p < 0]
    assert positions == sorted(positions), positions


def test_html_in_flow_order_names_every_record_and_signature(rich):
    data = collect(ReportRequest(project=PROJECT), Context(user="view", url=rich["url"]))
    doc = report(rich["url"])
    html = doc.content.decode("utf-8")
    assert doc.sections == EN_HEADINGS
    _in_order(html, EN_HEADINGS)
    kinds = [r["kind"] for r in data.records]
    assert kinds == ["risk.ce", "risk.classify", "risk.cqa", "risk.fmea", "risk.study",
                     "cpv.capability", "cpv.chart"]
    for r in data.records:  # each section names its record: kind, name, version, hash, author
        assert r["sha256"] in html
        assert f"Record {r['kind']}/{r['key']} v{r['version']}" in html
        for i in r.get("inputs", []):  # reproducibility stamp: input files and their hashes
            assert i["sha256"] in html and i["filename"] in html
    assert {r["state"] for r in data.records if r["kind"] == "cpv.chart"} == {"approved"}
    assert ">approved<" in html and ">in review<" in html and ">draft<" in html
    # the signature page: printed name, meaning, UTC time, content hash, still matching
    assert len(data.signatures) == 4 and all(s["valid"] for s in data.signatures)
    sig_page = html[html.index(">6 Signatures</h2>"):html.index(">7 Reproducibility</h2>")]
    for s in data.signatures:
        assert f"{s['full_name']} ({s['user']})" in sig_page
        assert s["at"] in sig_page and s["content_sha256"] in sig_page
    for name in ("Sam Scientist", "Rita Reviewer", "Quinn QA"):
        assert name in sig_page
    assert sig_page.count('<tr class="good">') == 4
    # the parameter table shows the project's set point / NOR / PAR / studied range
    assert "35.5–36.5" in html and "35–37" in html
    # numbered tables and figures with captions
    assert doc.tables == html.count('<p class="caption" id="table-') >= 20
    assert doc.figures == html.count('<figure class="fig"') >= 1
    assert f"Table {doc.tables} — " in html and "Table 1 — Document information" in html
    assert "Figure 1 — " in html and "<svg" in html
    assert data.audit["intact"] and "audit trail intact" in html


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext missing: run `make sysdeps`"
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize(("lang", "headings", "absent"),
                         [("en", EN_HEADINGS, "签名"), ("zh", ZH_HEADINGS, "Signatures")])
def test_pdf_text_has_the_headings_in_its_language(rich, tmp_path, lang, headings, absent):
    doc = report(rich["url"], lang, "pdf")
    assert doc.content.startswith(b"%PDF")
    text = _pdftotext(doc.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    for h in headings:
        assert re.sub(r"\s+", "", h) in flat, h
    assert absent not in text
    data = collect(ReportRequest(project=PROJECT), Context(user="view", url=rich["url"]))
    for r in data.records:  # hashes may wrap inside a table cell
        assert r["sha256"] in flat, r["kind"]
    for s in data.signatures:
        assert re.sub(r"\s+", "", s["full_name"]) in flat
    # the CJK font is embedded (subset), whatever the language
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True,
                           text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def test_docx_has_real_tables_figures_and_the_signature_page(rich):
    import docx

    doc = report(rich["url"], "zh", "docx")
    d = docx.Document(io.BytesIO(doc.content))
    assert len(d.tables) == doc.tables
    assert len(d.inline_shapes) == doc.figures >= 1
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    for h in ZH_HEADINGS:
        assert h in headings
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "表 1 — 文件信息" and any(c.startswith("图 1 — ") for c in captions)

    def header(t):
        return [c.text for c in t.rows[0].cells]

    params = next(t for t in d.tables if "设定值" in header(t) and "PAR" in header(t))
    temperature = next(r for r in params.rows if r.cells[1].text == "温度")
    assert [c.text for c in temperature.cells[3:7]] == ["36", "35.5–36.5", "35–37", "35–37"]
    sigs = next(t for t in d.tables if "签名人姓名" in header(t))
    rows = [[c.text for c in r.cells] for r in sigs.rows[1:]]
    assert len(rows) == 4
    assert {r[1] for r in rows} == {"编写", "已审核", "已批准"}
    assert any(r[2] == "Quinn QA (qa)" and r[1] == "已批准" for r in rows)
    assert all(r[5] == "是" for r in rows)


def test_a_signature_that_no_longer_matches_is_shown(tmp_path, make_team, monkeypatch):
    from sqlalchemy import text

    from qbdkit.store import transaction

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    build_store(url, tmp_path / "in", make_team)
    with transaction(url) as session:  # someone with database access drops the append-only
        session.execute(text("DROP TRIGGER IF EXISTS records_no_update"))  # trigger and
        session.execute(text("UPDATE records SET content = replace(content, '\"titer\"', "
                             "'\"TITER\"') WHERE kind = 'cpv.chart'"))  # edits the record
    html = report(url).content.decode("utf-8")
    sig_page = html[html.index(">6 Signatures</h2>"):html.index(">7 Reproducibility</h2>")]
    assert sig_page.count("NO — content changed") == 3
    assert sig_page.count('<tr class="bad">') == 3 and sig_page.count('<tr class="good">') == 1
    assert "audit trail TAMPERED" in html


def test_version_reports_that_project_version_and_its_records(tmp_path, make_team):
    from qbdkit.services.kinds import get_kind
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import run_and_store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    make_team(url)
    folder = tmp_path / "mab"
    shutil.copytree(PROJECT_DIR, folder)
    import_project(folder, user="sci", url=url)
    ctx = Context(user="sci", url=url)
    req = get_kind("cpv.capability").example(tmp_path)
    run_and_store("cpv.capability", req, ctx, project=PROJECT, name="before", reason="v1")
    process = folder / "process.yaml"
    process.write_text(process.read_text(encoding="utf-8").replace(
        "nor: {low: 35.5, high: 36.5}", "nor: {low: 35.6, high: 36.4}", 1), encoding="utf-8")
    import_project(folder, user="sci", reason="narrower NOR", url=url)
    run_and_store("cpv.capability", req, ctx, project=PROJECT, name="after", reason="v2")

    old = report(url, version=1)
    new = report(url)
    assert (old.project_version, new.project_version) == (1, 2)
    assert [r["key"] for r in old.records] == ["before"]
    assert sorted(r["key"] for r in new.records) == ["after", "before"]
    old_html, new_html = old.content.decode(), new.content.decode()
    assert "35.5–36.5" in old_html and "35.6–36.4" not in old_html
    assert "35.6–36.4" in new_html and "1 of 2" in old_html and "2 of 2" in new_html


def test_unknown_project_and_version_are_input_errors(rich):
    from qbdkit.errors import QbdInputError

    with pytest.raises(QbdInputError, match="unknown project"):
        project_report(ReportRequest(project="nope"), Context(user="view", url=rich["url"]))
    with pytest.raises(QbdInputError, match="no such project version"):
        report(rich["url"], version=7)


def test_every_fixed_text_has_its_chinese_entry(rich, monkeypatch):
    import qbdkit.report.project as project

    used: set[str] = set()
    original = project._t

    def recording(msgid, lang, **kw):
        used.add(msgid)
        return original(msgid, lang, **kw)

    monkeypatch.setattr(project, "_t", recording)
    data = collect(ReportRequest(project=PROJECT), Context(user="view", url=rich["url"]))
    c = project.compose(data, "zh")
    project.page(c)
    project.record_body({"kind": "test.unknown", "content": {"result": {"a": 1}}}, "zh")
    used |= set(project.STAGE_TITLES.values()) | set(project.KIND_TITLES.values())
    used |= set(project.STATES) | set(project.MEANINGS) | {"no", "NO — content changed",
                                                           "No record in this report is signed.",
                                                           "No QTPP elements in this project "
                                                           "version."}
    cat = catalogue("report", "zh")
    missing = sorted(m for m in used if m not in cat)
    assert not missing, missing
    for m in used:  # placeholders survive translation
        assert set(re.findall(r"\{(\w+)\}", m)) == set(re.findall(r"\{(\w+)\}", cat[m])), m
    assert len(used) > 100


def test_generic_tables_split_wide_rows_and_keep_every_value():
    import lxml.html

    from qbdkit.report.project import GENERIC_COLUMNS, generic_html

    rows = [{"id": f"r{i}", **{f"c{j}": i * 100 + j for j in range(20)}} for i in range(3)]
    html = generic_html({"method": "x", "rows": rows, "notes": ["a", "b"]}, "en")
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    tables = root.findall(".//table")
    assert len(tables) == 1 + 3  # scalars, then 20 + 1 columns in chunks of ≤ 8
    assert all(len(t.find(".//tr")) <= GENERIC_COLUMNS for t in tables)
    text = root.text_content()
    for i in range(3):
        for j in range(20):
            assert str(i * 100 + j) in text
    assert all(t.findall(".//tr")[1][0].text == "r0" for t in tables[1:])


def test_a_renderer_failure_is_shown_not_hidden():
    from qbdkit.report.project import record_body
    from qbdkit.report.sections import register_renderer

    def broken(result, lang):
        raise KeyError("missing_field")

    register_renderer("test.broken", broken)
    html = record_body({"kind": "test.broken", "content": {"result": {"x": 1.5}}}, "en")
    assert "could not be drawn" in html and "missing_field" in html and "1.5" in html


def test_svgs_are_lifted_and_restored_exactly():
    from qbdkit.report.project import lift_svgs, restore_svgs

    a = '<svg width="1"><svg x="2"><rect/></svg><path d="M0 0"/></svg>'
    b = "<SVG viewBox='0 0 1 1'><g><circle r='1'/></g></SVG>"
    svgs: list[str] = []
    out = lift_svgs(f"<p>x</p>{a}<p>y</p>{b}", svgs)
    assert svgs == [a, b]
    assert out == ('<p>x</p><div class="svg" data-svg="0"></div><p>y</p>'
                   '<div class="svg" data-svg="1"></div>')
    assert restore_svgs(out, svgs) == (f'<p>x</p><div class="svg">{a}</div><p>y</p>'
                                       f'<div class="svg">{b}</div>')


@pytest.mark.parametrize("converter", ["rsvg-convert", None])
def test_figures_become_png_with_either_converter(converter, monkeypatch):
    from qbdkit.report import figures
    from qbdkit.report.html import figure_svg, new_figure

    fig, ax = new_figure(4, 3)
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_title("设计空间 design space")
    svg = figure_svg(fig)
    if converter is None:
        monkeypatch.setattr(figures, "rsvg", lambda: None)
    else:
        assert figures.rsvg(), "rsvg-convert missing: run `make sysdeps`"
    pngs = figures.svgs_to_png([svg, svg], 100)
    for png, width in pngs:
        assert png.startswith(b"\x89PNG")
        # the PNG is the SVG's own size at 100 dpi (the tight box of a 4-inch figure)
        points = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
        assert abs(width - points / 72 * 100) <= 2
        assert 300 < width <= 400


def test_column_widths_keep_numbers_whole_and_let_headers_wrap():
    """A wide table whose wishes do not fit: every number/range column keeps at least its
    text's width, Chinese headers do not claim width (they break between characters), and
    the long text column gives way first."""
    from qbdkit.report.project import column_widths

    head = ["属性", "商业化规模均值", "±3 SD 范围", "90 % 置信区间", "结论"]
    body = [["Peak VCD (1e6 cells/mL) " * 3, "4.971", "4.225 – 5.717", "-0.2988 – 0.215", "不通过"]]
    budget = 60.0  # the minimums (49) fit, the wishes (83) do not
    widths = column_widths([head, *body], budget)
    assert abs(sum(widths) - 100) < 1e-9
    chars = [w / 100 * budget for w in widths]
    assert chars[2] >= len("4.225 – 5.717") - 1e-9      # a range is never broken
    assert chars[3] >= len("-0.2988 – 0.215") - 1e-9
    assert chars[4] >= 6 - 1e-9                            # 不通过: 3 CJK characters = 6
    assert chars[1] < len("商业化规模均值") * 2            # the header wraps
    wide = column_widths([head, *body], 1000.0)            # room enough: each gets its wish
    assert wide[0] == max(wide)
