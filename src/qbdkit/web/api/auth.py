"""JSON sign-in, sign-out, who am I, own password, language (:mod:`qbdkit.services.auth`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from qbdkit.i18n import normalize_lang
from qbdkit.web.deps import (
    SESSION_COOKIE,
    WebUser,
    csrf_from,
    csrf_token,
    current_user,
    request_lang,
    session_token,
    signing_in,
    store_url,
)
from qbdkit.web.pages.auth import start_session
from qbdkit.web.templating import set_lang_cookie

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    new_password: str | None = Field(None, max_length=1000,
                                     description="required when the password must change")


class Me(BaseModel):
    name: str
    role: str
    full_name: str | None = None
    lang: Literal["en", "zh"]
    csrf_token: str = Field(description="send as X-CSRF-Token with every unsafe request")


class PasswordIn(BaseModel):
    old_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class LangIn(BaseModel):
    lang: Literal["en", "zh"]


def _me(request: Request, user: WebUser, token: str | None = None) -> Me:
    # a fresh sign-in: the token is not in the request's cookies yet
    csrf = csrf_from(token) if token is not None else csrf_token(request)
    return Me(name=user.name, role=user.role, full_name=user.full_name,
              lang="zh" if user.lang == "zh" else "en", csrf_token=csrf)


@router.post("/auth/login", response_model=Me)
def api_login(body: LoginIn, request: Request, response: Response) -> Me:
    """Sign in; sets the session cookie (HttpOnly, SameSite=Lax)."""
    from qbdkit.services.auth import login

    signed = signing_in(request, lambda: login(
        body.username, body.password, new_password=body.new_password, client="web-api",
        url=store_url(request)))
    start_session(request, response, signed.token)
    from qbdkit.services.auth import session_user

    who = session_user(signed.token, url=store_url(request))
    user = WebUser(signed.user, signed.role, who.lang or request_lang(request), signed.full_name)
    return _me(request, user, signed.token)


@router.post("/auth/logout", status_code=204, response_class=Response)
def api_logout(request: Request, user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.auth import logout

    logout(session_token(request) or "", url=store_url(request))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
def api_me(request: Request, user: WebUser = Depends(current_user)) -> Me:
    return _me(request, user)


@router.post("/me/password", status_code=204, response_class=Response)
def api_password(body: PasswordIn, request: Request,
                 user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.auth import change_password

    change_password(user.name, body.old_password, body.new_password, url=store_url(request))
    return Response(status_code=204)


@router.post("/me/lang", response_model=Me)
def api_lang(body: LangIn, request: Request, response: Response,
             user: WebUser = Depends(current_user)) -> Me:
    from qbdkit.services.users import set_language

    lang = set_language(user.name, normalize_lang(body.lang), url=store_url(request))
    set_lang_cookie(request, response, lang)
    return _me(request, WebUser(user.name, user.role, lang, user.full_name))
