"""DoE in a real browser (SQLite and PostgreSQL): design from the project's parameters,
download the run sheet, upload results (a bad one first: 422 naming row and column), analyse,
move a profiler slider and see the prediction change, run the design space as a background
job to completion and accept PAR/NOR into the project; screenshots in en and zh."""

from __future__ import annotations

import csv
import io
import json
import re

JOB_TIMEOUT_MS = 240_000  # Monte Carlo on a loaded 2-core machine

WANTED = ("f-production_bioreactor-temperature", "f-production_bioreactor-ph")


def _columns(text: str) -> tuple[str, str, str, str]:
    """(temperature, pH, first response, second response) columns of the run sheet (the
    names depend on the project's risk records, which other tests may have added to)."""
    header = [c for c in next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
              if c not in ("run", "std_order", "block")]
    temp, ph = header[:2]  # the factors, in the order of the wizard's table
    responses = header[2:]
    assert len(responses) >= 2, header
    return temp, ph, responses[0], responses[1]


def _fill(text: str, *, bad_row: int | None = None) -> bytes:
    """The downloaded CSV run sheet with two responses filled from a known quadratic model
    (coded t = T − 36, p = (pH − 7)/0.2) plus small fixed noise; ``bad_row`` gets 'abc'."""
    temp, ph, r1, r2 = _columns(text)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    noise = [0.03, -0.02, 0.01, -0.04, 0.02, 0.0, -0.01, 0.03, -0.03, 0.02, -0.02, 0.01, 0.0]
    for i, r in enumerate(rows):
        t = float(r[temp]) - 36.0
        p = (float(r[ph]) - 7.0) / 0.2
        e = noise[i % len(noise)]
        r[r1] = f"{2.0 + 0.3 * t + 0.2 * p + 0.25 * t * t + e:.3f}"
        r[r2] = f"{8.0 + 1.5 * t - 1.0 * p + 4 * e:.3f}"
    if bad_row is not None:
        rows[bad_row - 2][r1] = "abc"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _switch(page, lang: str) -> None:
    page.click(f".langswitch button[value={lang}]")
    page.wait_for_selector(f".langswitch button[value={lang}].on")


def test_design_upload_analyse_profile_design_space_accept(browser_page, signed_in, shot,
                                                           web_server, tmp_path):
    page = browser_page
    signed_in(page, "sci")
    name = web_server.unique("rsm")
    base = "/projects/demo-mab/doe"

    # 1. the wizard: two factors of the production bioreactor, a CCD
    page.goto(base)
    page.wait_for_selector("#new-design")
    shot(page, "doe-index-en")
    page.click("#new-design")
    page.wait_for_selector("#design-form")
    page.fill("#name", name)
    boxes = page.locator("#factors-production_bioreactor input[type=checkbox]")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        want = box.get_attribute("id") in WANTED
        if box.is_checked() != want:
            box.click()
    page.check("input[name=type][value=ccd]")
    shot(page, "doe-new-en")
    page.click("#create-design")
    page.wait_for_selector("#runsheet")
    assert name in page.locator("h1").inner_text()

    # 2. run sheet download (XLSX and CSV)
    with page.expect_download() as dl:
        page.click("#download-xlsx")
    xlsx = tmp_path / "runs.xlsx"
    dl.value.save_as(xlsx)
    assert xlsx.read_bytes()[:4] == b"PK\x03\x04"
    with page.expect_download() as dl:
        page.click("#download-csv")
    sheet = tmp_path / "runs.csv"
    dl.value.save_as(sheet)
    text = sheet.read_text(encoding="utf-8-sig")
    temp, ph, r1, r2 = _columns(text)

    # 3. a bad upload: a clear 422 naming the row and the column
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_fill(text, bad_row=3))
    page.set_input_files("#results-file", str(bad))
    with page.expect_response(lambda r: r.url.endswith("/results")) as answer:
        page.click("#analyse")
    assert answer.value.status == 422
    err = page.wait_for_selector("#upload-error").inner_text()
    assert "bad.csv:3" in err and r1 in err, err
    shot(page, "doe-upload-error-en")

    # 4. the good upload → the analysis with ANOVA and diagnostics
    good = tmp_path / "results.csv"
    good.write_bytes(_fill(text))
    page.set_input_files("#results-file", str(good))
    page.click("#analyse")
    page.wait_for_selector("#analysis-body")
    body = page.locator("#analysis-body").inner_text()
    assert "ANOVA" in body and r1 in body
    shot(page, "doe-analysis-en")

    # 5. the profiler: moving the temperature slider changes the prediction
    page.click("#open-profiler")
    page.wait_for_selector("#current tbody tr")
    page.wait_for_selector("#profiler-plot .main-svg")
    first = page.locator("#current tbody tr").first.locator("td").nth(1).inner_text()
    slider = page.locator(f"input[type=range][data-factor='{temp}']")
    slider.evaluate("(el) => { el.value = el.max; el.dispatchEvent(new Event('input')); "
                    "el.dispatchEvent(new Event('change')); }")
    page.wait_for_function(
        "(before) => { const c = document.querySelector('#current tbody tr td:nth-child(2)');"
        " return c && c.textContent !== before; }", arg=first)
    moved = page.locator("#current tbody tr").first.locator("td").nth(1).inner_text()
    assert moved != first
    settings = page.locator("#profiler-plot").get_attribute("data-settings")
    assert json.loads(settings)[temp] == 37
    shot(page, "doe-profiler-en")
    _switch(page, "zh")
    page.wait_for_selector("#profiler-plot .main-svg")
    page.wait_for_selector("#current tbody tr")
    shot(page, "doe-profiler-zh")
    _switch(page, "en")

    # 6. the contour page draws
    page.goto(f"{base}/analyses/{name}/contour")
    page.wait_for_selector("#contour-plot[data-drawn='1']")

    # 7. the design space as a background job, to completion
    page.goto(f"{base}/analyses/{name}")
    page.wait_for_selector("#space-form")
    page.fill("#specs", f"{r1} <= 2.5\n5 <= {r2} <= 11")
    page.fill("#draws", "500")
    page.fill("#grid", "9")
    page.fill(f"input[name='control_sd:{temp}']", "0.1")
    page.fill(f"input[name='control_sd:{ph}']", "0.02")
    page.click("#run-space")
    page.wait_for_selector("#job-progress")
    assert re.search(r"/jobs/[0-9a-f]{32}$", page.url)
    page.wait_for_selector("#job-done:not([hidden])", timeout=JOB_TIMEOUT_MS)
    assert page.locator("#job-progress").get_attribute("value") in ("1", "1.0")
    shot(page, "doe-job-en")
    page.click("#open-result")
    page.wait_for_selector("#space-plot[data-drawn='1']")
    assert page.locator("#proposal-table tbody tr").count() == 2
    shot(page, "doe-space-en")

    # 8. accept PAR and NOR into the project (a new project version)
    page.on("dialog", lambda d: d.accept())
    page.fill("#accept-reason", "design space from the browser test")
    page.click("#accept")
    page.wait_for_selector(".flash")
    flash = page.locator(".flash").inner_text()
    assert "accepted" in flash or "Nothing to change" in flash, flash
    shot(page, "doe-accepted-en")


def test_zh_pages_and_viewer_cannot_write(browser_page, signed_in, shot):
    page = browser_page
    signed_in(page, "view")
    page.goto("/projects/demo-mab/doe")
    _switch(page, "zh")
    page.wait_for_selector("#analyses")
    assert page.locator("#new-design").count() == 0
    shot(page, "doe-index-zh")
    page.goto("/projects/demo-mab/doe/analyses/response-surface")
    page.wait_for_selector("#analysis-body")
    assert page.locator("#space-form").count() == 0
    shot(page, "doe-analysis-zh")
    # the demo's desirability goals (doe.optimize from the same run sheet) are preloaded
    page.goto("/projects/demo-mab/doe/analyses/response-surface/profiler")
    page.wait_for_function("() => document.querySelector('#overall-d').textContent"
                           ".startsWith('D = ')")
    assert "Titer (g/L):max=4.0,5.2" in page.input_value("#goals")
    panels = page.evaluate("() => Object.keys(document.getElementById('profiler-plot').layout)"
                           ".filter(k => k.startsWith('yaxis')).length")
    assert panels == 4 * 5  # 4 factors × (4 responses + desirability)
    shot(page, "doe-profiler-desirability-zh")
    page.goto("/projects/demo-mab/doe/spaces/bioreactor")
    page.wait_for_selector("#space-plot[data-drawn='1']")
    assert page.locator("#accept").count() == 0
    shot(page, "doe-space-zh")


def test_report_is_built_as_a_background_job(browser_page, signed_in, shot):
    page = browser_page
    signed_in(page, "rev")
    page.goto("/projects/demo-mab/report")
    page.check("input[name=format][value=html]")
    page.click("#download")
    page.wait_for_selector("#job-progress")
    page.wait_for_selector("#job-done:not([hidden])", timeout=JOB_TIMEOUT_MS)
    shot(page, "report-job-en")
    with page.expect_download() as dl:
        page.click("#open-result")
    assert dl.value.suggested_filename.startswith("report-demo-mab-v")
    assert dl.value.suggested_filename.endswith("-en.html")
