"""In a real browser: sign in, see the projects, sign out (SQLite and PostgreSQL)."""

from __future__ import annotations


def test_sign_in_and_see_the_project_list(browser_page, signed_in, shot):
    page = browser_page
    page.goto("/projects")
    page.wait_for_url("**/login?next=%2Fprojects")
    shot(page, "login-en")
    signed_in(page, "sci")
    page.wait_for_selector("#projects")
    names = page.locator("#projects tbody tr td:first-child").all_inner_texts()
    assert "demo-mab" in names
    assert page.locator("header .usermenu .badge").inner_text() == "scientist"
    shot(page, "projects-en")
    page.click("header .usermenu summary")
    page.click("#signout")
    page.wait_for_selector("#signin")
    page.goto("/projects")
    page.wait_for_selector("#signin")  # the session ended: back to the sign-in form


def test_wrong_password_is_refused_with_a_message(browser_page):
    page = browser_page
    page.goto("/login")
    page.fill("#username", "nobody-here")
    page.fill("#password", "not-the-password")
    page.click("#signin")
    alert = page.wait_for_selector("[role=alert]")
    assert "wrong password" in alert.inner_text()
    assert page.locator("header .usermenu").count() == 0
