"""Sign-in, forced password change, sign-out, own password change, language switch.

All of it goes through :mod:`qbdkit.services.auth` (lockout after repeated failures, the
password policy, idle timeout, audit entries); this module only carries forms and cookies.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qbdkit.errors import QbdInputError
from qbdkit.i18n import normalize_lang
from qbdkit.web.deps import (
    PRE_COOKIE,
    SESSION_COOKIE,
    WebUser,
    current_user,
    optional_user,
    request_lang,
    session_token,
    signing_in,
    store_url,
)
from qbdkit.web.templating import redirect, render, safe_next, set_lang_cookie, set_private_cookie

router = APIRouter()


def start_session(request: Request, response: Response, token: str) -> None:
    """Put the new session token in the HttpOnly cookie; the pre-session cookie ends."""
    set_private_cookie(request, response, SESSION_COOKIE, token)
    response.delete_cookie(PRE_COOKIE, path="/")


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/projects", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/projects") -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/login.html", next=safe_next(next), error=None, username="")


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                 next: str = Form("/projects")) -> Response:
    from qbdkit.services.auth import PasswordChangeRequired, login

    lang = request_lang(request)
    try:
        signed = signing_in(request, lambda: login(username, password, client="web",
                                                   url=store_url(request)))
    except PasswordChangeRequired:
        return render(request, "auth/change_required.html", username=username,
                      next=safe_next(next), error=None)
    except QbdInputError as exc:
        return render(request, "auth/login.html", status_code=401 if "Authentication"
                      in type(exc).__name__ else 403, next=safe_next(next),
                      error=exc.first.text(lang), username=username)
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, signed.token)
    return response


@router.post("/login/change")
def login_change(request: Request, username: str = Form(""), password: str = Form(""),
                 new_password: str = Form(""), confirm: str = Form(""),
                 next: str = Form("/projects")) -> Response:
    """The forced change at first sign-in (or after an admin's reset)."""
    from qbdkit.services.auth import login

    lang = request_lang(request)
    error = None
    if new_password != confirm:
        error = QbdInputError("the two new passwords differ", column="confirm",
                              expected="the same password twice").first.text(lang)
    else:
        try:
            signed = signing_in(request, lambda: login(
                username, password, new_password=new_password, client="web",
                url=store_url(request)))
        except QbdInputError as exc:
            error = exc.first.text(lang)
    if error is not None:
        return render(request, "auth/change_required.html", status_code=422,
                      username=username, next=safe_next(next), error=error)
    response = redirect(request, safe_next(next), flash="Password changed.")
    start_session(request, response, signed.token)
    return response


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    from qbdkit.services.auth import logout

    token = session_token(request)
    if token:
        logout(token, url=store_url(request))
    response = redirect(request, "/login", flash="Signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password")
def password_page(request: Request, user: WebUser = Depends(current_user)) -> Response:
    return render(request, "auth/password.html", error=None)


@router.post("/password")
def password_submit(request: Request, old_password: str = Form(""),
                    new_password: str = Form(""), confirm: str = Form(""),
                    user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.auth import change_password

    try:
        if new_password != confirm:
            raise QbdInputError("the two new passwords differ", column="confirm",
                                expected="the same password twice")
        change_password(user.name, old_password, new_password, url=store_url(request))
    except QbdInputError as exc:
        return render(request, "auth/password.html", status_code=422,
                      error=exc.first.text(user.lang))
    return redirect(request, "/projects", flash="Password changed.")


@router.post("/lang")
def switch_lang(request: Request, lang: str = Form("en"), next: str = Form("/projects")
                ) -> Response:
    """Switch the pages' language: kept with the signed-in user (any browser), and in a
    cookie for the pages before sign-in."""
    lang = normalize_lang(lang)
    user = optional_user(request)
    if user is not None:
        from qbdkit.services.users import set_language

        set_language(user.name, lang, url=store_url(request))
    response = RedirectResponse(safe_next(next), status_code=303)
    set_lang_cookie(request, response, lang)
    return response
