"""In a real browser (SQLite and PostgreSQL): forced password change, a project from a
template and its overview, user administration, a viewer who cannot write, the audit
viewer's filters, the report download; screenshots of every page in English and Chinese."""

from __future__ import annotations

from pathlib import Path

import httpx


def _switch_lang(page, lang: str) -> None:
    page.click(f".langswitch button[value={lang}]")
    page.wait_for_selector(f".langswitch button.on[value={lang}]")


def test_admin_adds_a_user_who_must_change_the_password(browser_page, signed_in, shot,
                                                        web_server, _browser):
    page = signed_in(browser_page, "admin")
    page.goto("/admin/users")
    page.wait_for_selector("#users")
    name = web_server.unique("newbie")
    page.fill("#new-name", name)
    page.fill("#new-full-name", "New Bie")
    page.select_option("#new-role", "reviewer")
    page.fill("#new-password", "initial-Pass-phrase-77")
    page.fill("#new-reason", "joins the review team")
    page.click("#add-user-button")
    row = page.wait_for_selector(f"tr[data-user='{name}']")
    assert "must change password" in row.inner_text()
    assert page.locator(".flash").inner_text() == "User added."
    shot(page, "admin-users-en")
    page.click(f"tr[data-user='{name}'] summary")
    shot(page, "admin-users-manage-en")
    _switch_lang(page, "zh")
    shot(page, "admin-users-zh")
    assert page.locator("h1").inner_text() == "用户"

    # the new user signs in in a fresh browser and is made to choose a password
    other = _browser.new_context(base_url=web_server.url, locale="zh-CN")  # Accept-Language
    other.set_default_timeout(60_000)
    p2 = other.new_page()
    try:
        p2.goto("/login")
        p2.fill("#username", name)
        p2.fill("#password", "initial-Pass-phrase-77")
        p2.click("#signin")
        p2.wait_for_selector("#new_password")
        assert p2.locator("h1").inner_text() == "设置新密码"
        shot(p2, "forced-change-zh")
        p2.fill("#password", "initial-Pass-phrase-77")
        p2.fill("#new_password", "short")
        p2.fill("#confirm", "short")
        p2.evaluate("document.querySelectorAll('input[minlength]')"
                    ".forEach(e => e.removeAttribute('minlength'))")
        p2.click("#change")
        assert "密码太短" in p2.wait_for_selector("[role=alert]").inner_text()
        p2.fill("#password", "initial-Pass-phrase-77")
        p2.fill("#new_password", "My-own-pass-phrase-1")
        p2.fill("#confirm", "My-own-pass-phrase-1")
        p2.click("#change")
        p2.wait_for_selector("#projects")
        assert p2.locator("header .usermenu .badge").inner_text() == "审核人"  # reviewer
    finally:
        other.close()


def test_scientist_creates_a_project_from_a_template(browser_page, signed_in, shot,
                                                     web_server):
    page = signed_in(browser_page, "sci")
    page.click("#new-project")
    page.wait_for_selector("#name")
    shot(page, "project-new-en")
    name = web_server.unique("CAR-T 工艺")
    page.fill("#name", name)
    page.check("input[name=modality][value=car-t]")
    page.click("#create")
    page.wait_for_selector("#parameters")
    assert page.locator(".flash").inner_text() == "Project created."
    assert page.locator(".projectnav .pname").inner_text() == name
    assert page.locator("#qtpp tbody tr").count() > 0
    assert page.locator("#cqas tbody tr").count() > 0
    # a bad name comes back as one clear line, nothing stored
    page.goto("/projects/new")
    page.fill("#name", "-bad/name")
    page.click("#create")
    assert "not allowed" in page.wait_for_selector("[role=alert]").inner_text()
    _switch_lang(page, "zh")
    page.wait_for_selector("#name")
    shot(page, "project-new-zh")


def test_overview_shows_ranges_nested(browser_page, signed_in, shot):
    page = signed_in(browser_page, "view")
    page.goto("/projects/demo-mab")
    page.wait_for_selector("#parameters")
    # studied ⊃ PAR ⊃ NOR ⊃ set point, drawn as nested bars
    bars = page.locator(".rangebar").all()
    assert bars
    checked = 0
    for bar in bars:
        boxes = {k: bar.locator(f".{k}").bounding_box() for k in ("studied", "par", "nor", "sp")
                 if bar.locator(f".{k}").count()}
        if {"studied", "par", "nor", "sp"} <= set(boxes):
            s, p, n, sp = boxes["studied"], boxes["par"], boxes["nor"], boxes["sp"]
            assert s["x"] <= p["x"] + 0.5 and p["x"] + p["width"] <= s["x"] + s["width"] + 0.5
            assert p["x"] <= n["x"] + 0.5 and n["x"] + n["width"] <= p["x"] + p["width"] + 0.5
            centre = sp["x"] + sp["width"] / 2
            assert n["x"] - 2 <= centre <= n["x"] + n["width"] + 2
            checked += 1
    assert checked >= 3
    cqa_text = page.locator("#cqas").inner_text()
    assert "critical" in cqa_text
    shot(page, "overview-en")
    _switch_lang(page, "zh")
    page.wait_for_selector("#parameters")
    assert "质量目标产品概况" in page.locator("body").inner_text()
    shot(page, "overview-zh")
    page.goto("/projects")
    shot(page, "projects-zh")
    page.goto("/projects/demo-mab/report")
    shot(page, "report-zh")


def test_viewer_finds_no_way_to_write(browser_page, signed_in, shot, web_server):
    page = signed_in(browser_page, "view")
    page.goto("/projects")
    page.wait_for_selector("#projects")
    assert page.locator("#new-project").count() == 0
    page.goto("/admin/users")
    page.wait_for_selector("#users")
    assert page.locator("form[action^='/admin/users']").count() == 0
    assert page.locator("header nav a[href='/admin/users']").count() == 0
    shot(page, "viewer-users-en")
    # posting directly, with a valid CSRF token from the page, is refused by the services
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for path, data in [("/projects/new", {"name": web_server.unique("x"), "modality": "mab",
                                          "lang": "en"}),
                       ("/admin/users", {"name": web_server.unique("y"), "role": "admin",
                                         "password": "initial-Pass-phrase-77"}),
                       ("/admin/users/sci/disable", {"reason": "viewer tries"})]:
        r = httpx.post(web_server.url + path, data={**data, "csrf_token": token},
                       cookies=cookies)
        assert r.status_code == 403, (path, r.status_code)
        assert "viewer" in r.text  # the page says why: the role
    page.goto("/projects/new")
    page.wait_for_selector("#cannot-author")
    assert page.locator("#create").count() == 0 and page.locator("#import-button").count() == 0
    shot(page, "viewer-new-project-en")


def test_audit_viewer_filters_and_verifies(browser_page, signed_in, shot):
    page = signed_in(browser_page, "qa")
    page.goto("/audit")
    page.wait_for_selector("#audit")
    all_rows = page.locator("#audit tbody tr").count()
    assert all_rows > 10
    page.select_option("#f-user", "admin")
    page.select_option("#f-action", "user")
    page.click("#apply-filters")
    page.wait_for_url("**/audit?*user=admin*")
    rows = page.locator("#audit tbody tr")
    assert 0 < rows.count() < all_rows
    for text in rows.all_inner_texts()[:20]:
        cells = text.split("\t")
        assert cells[2] == "admin" and cells[3].startswith("user.")
    page.click("#verify")
    result = page.wait_for_selector("#verify-result")
    assert "intact" in result.inner_text()
    shot(page, "audit-en")
    with page.expect_download() as download:
        page.click("#export-csv")
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert text.startswith("id,at,user,action") and "user.add" in text
    _switch_lang(page, "zh")
    page.wait_for_selector("#audit")
    shot(page, "audit-zh")


def test_report_download_and_password_page(browser_page, signed_in, shot):
    page = signed_in(browser_page, "rev")
    page.goto("/projects/demo-adc/report")
    page.wait_for_selector("#download")
    shot(page, "report-en")
    page.click("#download")  # the report is built as a background job (PDF/DOCX are slow)
    page.wait_for_selector("#job-done:not([hidden])", timeout=240_000)
    with page.expect_download() as download:
        page.click("#open-result")
    assert download.value.suggested_filename.startswith("report-demo-adc-v")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "demo-adc" in html and "<html" in html
    page.goto("/password")
    page.wait_for_selector("input[name=old_password]")
    shot(page, "password-en")
    _switch_lang(page, "zh")
    shot(page, "password-zh")
    page.goto("/login")  # signed in already: back to the projects
    page.wait_for_selector("#projects")


def test_own_password_change_and_the_not_found_page(browser_page, signed_in, api_client,
                                                    web_server, shot):
    name = web_server.unique("pw")
    assert api_client("admin").post("/api/users", json={
        "name": name, "role": "viewer", "password": "initial-Pass-phrase-77",
        "reason": "t"}).status_code == 201
    first = api_client(None).post("/api/auth/login", json={
        "username": name, "password": "initial-Pass-phrase-77",
        "new_password": "First-pass-phrase-11"})
    assert first.status_code == 200
    page = signed_in(browser_page, name, password="First-pass-phrase-11")
    page.goto("/password")
    page.fill("input[name=old_password]", "First-pass-phrase-11")
    page.fill("input[name=new_password]", "Second-pass-phrase-22")
    page.fill("input[name=confirm]", "Second-pass-phrase-22")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.locator(".flash").inner_text() == "Password changed."
    page.click("header .usermenu summary")
    page.click("#signout")
    page.wait_for_selector("#signin")
    signed_in(page, name, password="Second-pass-phrase-22")
    response = page.goto("/projects/no-such-project")
    assert response.status == 404
    assert "unknown project" in page.locator(".problems").inner_text()
    shot(page, "not-found-en")
