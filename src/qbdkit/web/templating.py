"""Server-rendered pages: one Jinja2 environment, autoescaped, with the page's helpers.

Every template sees ``request``, ``user`` (:class:`~qbdkit.web.deps.WebUser` or None),
``lang``, ``t(msgid, **params)`` (domain ``web``, the user's language), ``csrf_token``,
``nav`` (top-bar entries for the user's role), ``project_nav`` (when ``project`` is given),
``flash`` (a message carried over a redirect), ``static(path)`` and ``can(right)`` (the
user's role has a right of :data:`qbdkit.services.users.RIGHTS`: hides controls, the services
still decide).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from qbdkit.i18n import t as translate
from qbdkit.web.deps import (
    FLASH_COOKIE,
    LANG_COOKIE,
    PRE_COOKIE,
    csrf_token,
    optional_user,
    request_lang,
    session_token,
)
from qbdkit.web.nav import main_entries, project_entries

DOMAIN = "web"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("qbdkit.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["q"] = lambda v: quote(str(v), safe="")
    return env


def translator(lang: str):
    def t(msgid: str, **params: Any) -> str:
        return translate(msgid, lang, DOMAIN, **params)

    return t


def render(request: Request, template: str, status_code: int = 200, **values: Any
           ) -> HTMLResponse:
    """The page ``template`` (under ``web/templates``) with ``values``."""
    user = getattr(request.state, "user", None)
    if user is None and session_token(request):
        user = optional_user(request)
    lang = user.lang if user is not None else request_lang(request)
    project = values.get("project")
    flash = request.cookies.get(FLASH_COOKIE)
    t = translator(lang)

    def can(right: str) -> bool:
        """Whether the user's role has ``right`` (services.users.RIGHTS) — to hide controls
        only; the services refuse the action anyway."""
        from qbdkit.services.users import RIGHTS

        return user is not None and user.role in RIGHTS.get(right, ())

    page = environment().get_template(template).render(
        request=request, user=user, lang=lang, t=t, csrf_token=csrf_token(request),
        nav=main_entries(user.role if user else None),
        project_nav=project_entries(project) if isinstance(project, str) else [],
        flash=t(flash) if flash else None, path=request.url.path,
        static=lambda p: f"/static/{p}", can=can, **values)
    response = HTMLResponse(page, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    pre = getattr(request.state, "pre_secret", None)
    if pre:
        set_private_cookie(request, response, PRE_COOKIE, pre)
    return response


def set_private_cookie(request: Request, response: Any, name: str, value: str,
                       max_age: int | None = None) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site (Secure over HTTPS)."""
    response.set_cookie(name, value, httponly=True, samesite="lax", path="/", max_age=max_age,
                        secure=request.url.scheme == "https")


def redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """A 303 redirect (after a POST), optionally carrying a message to the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        set_private_cookie(request, response, FLASH_COOKIE, flash, max_age=60)
    return response


def set_lang_cookie(request: Request, response: Any, lang: str) -> None:
    set_private_cookie(request, response, LANG_COOKIE, lang, max_age=365 * 24 * 3600)


def safe_next(target: str | None, default: str = "/projects") -> str:
    """A local path to go to after sign-in (never another site: ``//host`` or ``http:``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
