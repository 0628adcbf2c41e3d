"""In a real browser (SQLite and PostgreSQL): the FMEA grid's action priority updating as
one types, saving a new version, two editors saving the same FMEA (the second gets the
conflict, nothing lost), signing as author, reviewer and QA up to approved, a viewer without
write controls (and refused when posting directly), a scale-down comparison from uploaded
files, and screenshots of each page in English and Chinese.

Expected action priorities: AIAG & VDA FMEA Handbook (2019), Action Priority table
(tests/core/risk/test_action_priority.py): S 4–6 × O 2–3 → L (demo row B04: S5 O3 D3);
S 7–8 × O 6–7 × D 7–10 → H.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

DEMO = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab"
PROJECT = "demo-mab"


@pytest.fixture
def in_store(web_server):
    """Run a function in-process on the server's store (same config folder and audit key)."""

    def run(fn, *args, **kwargs):
        from qbdkit.store import dispose

        with pytest.MonkeyPatch.context() as mp:
            for key in ("QBDKIT_CONFIG_DIR", "QBDKIT_ARGON2_PROFILE", "QBDKIT_DATABASE_URL"):
                mp.setenv(key, web_server.env[key])
            mp.delenv("QBDKIT_KEY_FILE", raising=False)
            try:
                return fn(*args, **kwargs)
            finally:
                dispose(web_server.store_url)

    return run


@pytest.fixture
def fresh_fmea(web_server, in_store):
    """A new ``risk.fmea/<unique>`` record (the demo worksheet) authored by sci, v1."""

    def make() -> str:
        from qbdkit.services.base import Context
        from qbdkit.services.records import run_and_store
        from qbdkit.services.risk import FmeaRequest

        name = web_server.unique("fmea")
        in_store(run_and_store, "risk.fmea", FmeaRequest(file=DEMO / "risk" / "fmea.csv"),
                 Context(user="sci", url=web_server.store_url), project=PROJECT, name=name,
                 reason="browser test")
        return name

    return make


@pytest.fixture
def second_scientist(web_server, in_store):
    """A second scientist ``sci2`` (created once per server)."""
    password = "Saffron-lantern-7310"

    def add() -> None:
        from qbdkit.services.auth import login
        from qbdkit.services.users import add_user, list_users

        if any(u["name"] == "sci2" for u in list_users(url=web_server.store_url).users):
            return
        add_user("sci2", "scientist", user="admin", full_name="Sue Scientist",
                 password="initial-" + password, reason="second editor",
                 url=web_server.store_url)
        login("sci2", "initial-" + password, new_password=password, url=web_server.store_url)

    in_store(add)
    web_server.passwords["sci2"] = password
    return "sci2"


def _zh(page) -> None:
    page.click("form.langswitch button[value=zh]")
    page.wait_for_selector("html[lang=zh-CN]")


def _fmea(page, name: str) -> None:
    page.goto(f"/projects/{PROJECT}/risk/fmea/{name}")
    page.wait_for_selector("#fmea-grid")


def test_fmea_ap_updates_as_you_type_and_save_makes_a_new_version(
        browser_page, signed_in, fresh_fmea, shot):
    name = fresh_fmea()
    page = signed_in(browser_page, "sci")
    _fmea(page, name)
    assert page.inner_text("#ap-3") == "L" and page.inner_text("#rpn-3") == "45"  # B04
    shot(page, "risk-fmea-en")
    page.fill('input[name="B04.severity"]', "8")
    page.fill('input[name="B04.occurrence"]', "6")
    page.fill('input[name="B04.detection"]', "7")
    expect(page.locator("#rpn-3")).to_have_text("336")
    expect(page.locator("#ap-3")).to_have_text("H")
    # htmx applies a swapped element's new attributes after its settle delay (20 ms)
    expect(page.locator("#ap-3")).to_have_class(re.compile(r"\bap-H\b"))
    assert page.get_attribute("#fmea-version", "data-version") == "1"  # nothing saved yet
    shot(page, "risk-fmea-typed-en")
    page.fill('input[name="B04.detection"]', "11")  # off the scale: the row says so
    expect(page.locator("#msg-3")).to_contain_text("B04.detection")
    assert "rating not on the scale" in page.inner_text("#msg-3")
    page.fill('input[name="B04.detection"]', "7")
    expect(page.locator("#ap-3")).to_have_text("H")
    page.fill("#reason", "new dissolved-oxygen data")
    page.click("#fmea-save")
    page.wait_for_url(re.compile(r".*\?saved=2$"))
    assert page.get_attribute("#fmea-version", "data-version") == "2"
    assert page.inner_text("#ap-3") == "H" and page.inner_text("#rpn-3") == "336"
    assert "Saved as a new version." in page.inner_text("main .flash")
    _zh(page)
    page.wait_for_selector("#fmea-grid")
    assert "失效模式" in page.inner_text("#fmea-grid thead")
    shot(page, "risk-fmea-zh")


def test_two_editors_the_second_gets_the_conflict_and_nothing_is_lost(
        _browser, web_server, browser_page, signed_in, fresh_fmea, second_scientist,
        api_client, shot):
    name = fresh_fmea()
    first = signed_in(browser_page, "sci")
    context = _browser.new_context(base_url=web_server.url, viewport={"width": 1360,
                                                                      "height": 900})
    context.set_default_timeout(60_000)
    try:
        second = signed_in(context.new_page(), second_scientist)
        _fmea(first, name)
        _fmea(second, name)  # both start from version 1
        first.fill('input[name="B01.occurrence"]', "4")
        first.fill("#reason", "first editor")
        first.click("#fmea-save")
        first.wait_for_url(re.compile(r".*\?saved=2$"))
        second.fill('input[name="B02.detection"]', "2")
        second.fill('textarea[name="B02.action"]', "冗余 pH 电极")
        second.fill("#reason", "second editor")
        second.click("#fmea-save")
        alert = second.wait_for_selector("#conflict")
        text = alert.inner_text()
        assert "Conflict" in text and "version 1" in text and "version 2" in text
        assert "B02.detection" in text
        # the newest version (the first editor's change) with the second editor's changes
        # laid over it, ready to save again
        assert second.get_attribute("#fmea-version", "data-version") == "2"
        assert second.input_value('input[name="B01.occurrence"]') == "4"
        assert second.input_value('input[name="B02.detection"]') == "2"
        assert "pending" in second.get_attribute('input[name="B02.detection"]', "class")
        # B02 with D 2: RPN 7 × 4 × 2 = 56; AP S 7–8 × O 4–5 × D 2–4 → M (AIAG-VDA 2019)
        assert (second.inner_text("#rpn-1"), second.inner_text("#ap-1")) == ("56", "M")
        shot(second, "risk-fmea-conflict-en")
        second.click("#fmea-save")
        second.wait_for_url(re.compile(r".*\?saved=3$"))
    finally:
        context.close()
    record = api_client("view").get(f"/api/projects/{PROJECT}/records/risk.fmea/{name}")
    rows = {r["id"]: r for r in record.json()["record"]["content"]["result"]["rows"]}
    assert (rows["B01"]["occurrence"], rows["B02"]["detection"]) == (4, 2)
    assert rows["B02"]["action"] == "冗余 pH 电极"
    assert [h["user"] for h in record.json()["history"]] == ["sci", "sci", "sci2"]


def _sign(page, meaning: str, password: str, state: str) -> None:
    if page.locator("#sign-dialog[open]").count() == 0:
        page.click("#sign-dialog summary")
    page.select_option("#sign-meaning", meaning)
    page.fill("#sign-password", password)
    page.click("#sign-submit")
    expect(page.locator("#record-state")).to_have_text(state)


def test_author_reviewer_and_qa_sign_up_to_approved(
        _browser, web_server, browser_page, signed_in, fresh_fmea, shot):
    name = fresh_fmea()
    path = f"/projects/{PROJECT}/records/risk.fmea/{name}"
    page = signed_in(browser_page, "sci")
    page.goto(path)
    page.wait_for_selector("#record-state")
    assert page.inner_text("#record-state") == "draft"
    shot(page, "record-draft-en")
    page.click("#sign-dialog summary")
    page.fill("#sign-password", "not-my-password")  # a wrong password is refused
    page.click("#sign-submit")
    assert "wrong password" in page.inner_text("#record-error")
    _sign(page, "authored", web_server.passwords["sci"], "in review")
    for user, meaning, state in (("rev", "reviewed", "in review"),
                                 ("qa", "approved", "approved")):
        context = _browser.new_context(base_url=web_server.url,
                                       viewport={"width": 1360, "height": 900})
        context.set_default_timeout(60_000)
        try:
            other = signed_in(context.new_page(), user)
            other.goto(path)
            other.wait_for_selector("#sign-dialog")
            options = [o.get_attribute("value")
                       for o in other.locator("#sign-meaning option").all()]
            assert meaning in options and "authored" not in options
            _sign(other, meaning, web_server.passwords[user], state)
            if user == "qa":
                assert other.locator("#sign-dialog").count() == 0
                sigs = other.inner_text("#signatures")
                assert "Sam Scientist" in sigs and "Rita Reviewer" in sigs and "Quinn QA" in sigs
                shot(other, "record-approved-en")
                _zh(other)
                assert other.inner_text("#record-state") == "已批准"
                shot(other, "record-approved-zh")
        finally:
            context.close()


def test_viewer_sees_no_write_controls_and_direct_posts_are_refused(
        browser_page, signed_in, fresh_fmea, api_client, shot):
    name = fresh_fmea()
    page = signed_in(browser_page, "view")
    _fmea(page, name)
    assert page.locator("#fmea-grid input, #fmea-grid textarea, #fmea-save").count() == 0
    assert "Read only" in page.inner_text("main")
    shot(page, "risk-fmea-viewer-en")
    page.goto(f"/projects/{PROJECT}/records/risk.fmea/{name}")
    page.wait_for_selector("#record-state")
    assert page.locator("#sign-dialog, #sign-form").count() == 0
    page.goto(f"/projects/{PROJECT}/sdm")
    page.wait_for_selector("h1")
    assert page.locator("#sdm-new, #sdm-form").count() == 0
    viewer = api_client("view")
    form = {"version": "1", "reason": "x", "B01.severity": "9"}
    r = viewer.post(f"/projects/{PROJECT}/risk/fmea/{name}", data=form)
    assert r.status_code == 403
    r = viewer.post(f"/api/projects/{PROJECT}/risk/fmea/{name}", json={
        "expected_version": 1, "reason": "x", "edits": [{"id": "B01",
                                                         "values": {"severity": 9}}]})
    assert r.status_code == 403 and r.json()["error"] == "PermissionDenied"
    r = viewer.post(f"/api/projects/{PROJECT}/records/risk.fmea/{name}/sign",
                    json={"meaning": "reviewed", "password": "Willow-trumpet-6403"})
    assert r.status_code == 403
    files = {"at_scale": ("a.csv", b"batch,x\nA,1\nB,2\n", "text/csv"),
             "small_scale": ("s.csv", b"batch,x\nS,1\nT,2\n", "text/csv")}
    r = viewer.post(f"/api/projects/{PROJECT}/sdm", files=files, data={"name": "nope"})
    assert r.status_code == 403
    versions = api_client("view").get(f"/api/projects/{PROJECT}/records/risk.fmea/{name}")
    assert len(versions.json()["history"]) == 1  # nothing was written


def test_scale_down_comparison_from_uploaded_files(browser_page, signed_in, web_server, shot):
    page = signed_in(browser_page, "sci")
    page.goto(f"/projects/{PROJECT}/sdm")
    page.wait_for_selector("#sdm-new")
    shot(page, "sdm-en")
    page.click("#sdm-new summary")
    page.set_input_files("input[name=at_scale]", str(DEMO / "sdm" / "at_scale.csv"))
    page.set_input_files("input[name=small_scale]", {
        "name": "small.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x00\x01"})
    name = web_server.unique("bioreactor-3L")
    page.fill("input[name=name]", name)
    page.click("#sdm-run")
    error = page.wait_for_selector("#sdm-error")
    assert "file type not accepted" in error.inner_text() and "small.exe" in error.inner_text()
    page.set_input_files("input[name=at_scale]", str(DEMO / "sdm" / "at_scale.csv"))
    page.set_input_files("input[name=small_scale]", str(DEMO / "sdm" / "small_scale.csv"))
    page.click("#sdm-run")
    page.wait_for_url(f"**/records/sdm.compare/{name}")
    assert page.inner_text("#record-state") == "draft"
    assert page.locator(".record-body table").count() >= 1
    shot(page, "sdm-record-en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screenshots_of_each_page(browser_page, signed_in, shot, lang):
    page = signed_in(browser_page, "sci")
    page.goto(f"/projects/{PROJECT}/risk")
    if lang == "zh":
        _zh(page)
    pages = [("risk", f"/projects/{PROJECT}/risk", "#fmea-records"),
             ("risk-ce", f"/projects/{PROJECT}/risk/ce", ".plot.plotted"),
             ("risk-cqa", f"/projects/{PROJECT}/risk/cqa", "table.cqa"),
             ("risk-classes", f"/projects/{PROJECT}/risk/classes", "table.classes"),
             ("sdm", f"/projects/{PROJECT}/sdm", ".sdm-record"),
             ("records", f"/projects/{PROJECT}/records", "#records"),
             ("records-filtered", f"/projects/{PROJECT}/records?stage=risk&state=draft",
              "#records"),
             ("record", f"/projects/{PROJECT}/records/risk.ce/ce", "#history")]
    for label, path, selector in pages:
        page.goto(path)
        page.wait_for_selector(selector)
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh"
                                                              else "en")
        shot(page, f"{label}-{lang}")
    if lang == "zh":
        page.goto(f"/projects/{PROJECT}/risk/cqa")
        assert "质量属性" in page.inner_text("main") and "不确定性" in page.inner_text("main")
