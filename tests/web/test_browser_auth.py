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


def test_the_language_follows_the_user_to_another_browser(_browser, web_server, signed_in,
                                                         shot):
    first = _browser.new_context(base_url=web_server.url)
    second = _browser.new_context(base_url=web_server.url, locale="en-US")
    try:
        page = signed_in(first.new_page(), "qa")
        page.click(".langswitch button[value=zh]")
        page.wait_for_selector(".langswitch button.on[value=zh]")
        assert page.locator("h1").inner_text() == "项目"
        other = second.new_page()
        other.goto("/login")
        assert other.locator("h1").inner_text() == "Sign in"  # no choice known yet
        shot(other, "login-en")
        other.fill("#username", "qa")
        other.fill("#password", web_server.passwords["qa"])
        other.click("#signin")
        other.wait_for_selector("#projects")
        assert other.locator("h1").inner_text() == "项目"  # the user's choice, kept
        other.click(".langswitch button[value=en]")
        other.wait_for_selector(".langswitch button.on[value=en]")
        other.click("header .usermenu summary")
        other.click("#signout")
        other.wait_for_selector("#signin")
        assert other.locator("h1").inner_text() == "Sign in"
        page.click(".langswitch button[value=zh]")  # the pre-sign-in pages follow the cookie
        page.click("header .usermenu summary")
        page.click("#signout")
        page.wait_for_selector("#signin")
        assert page.locator("h1").inner_text() == "登录"
        shot(page, "login-zh")
    finally:
        first.close()
        second.close()
