"""Request dependencies: who is signed in, the service context, CSRF protection.

* Sessions are the store's sign-in sessions (:mod:`qbdkit.services.auth`: ``login``,
  ``session_user``, ``logout``; idle timeout and lockout live there). The browser holds the
  token in an ``HttpOnly``, ``SameSite=Lax`` cookie (``Secure`` when served over HTTPS);
  the store keeps only its SHA-256.
* CSRF (OWASP CSRF Prevention Cheat Sheet, "HMAC-based token"): the token of a signed-in
  browser is ``HMAC-SHA256(session token, "qbdkit-csrf")`` — derivable only by whoever holds
  the HttpOnly session cookie, the same in every worker process, nothing stored. Before
  sign-in (the sign-in form) a random pre-session cookie plays the session token's part
  (double-submit). Every unsafe method must send it as the form field ``csrf_token`` or the
  header ``X-CSRF-Token`` (htmx sends the header from ``<meta name="csrf-token">``, see
  ``static/qbdkit.js``). ``POST /api/auth/login`` without a session is exempt but must be
  ``application/json`` (which a cross-site form cannot send without a CORS preflight).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request

from qbdkit.errors import AuthenticationRequired, PermissionDenied
from qbdkit.i18n import normalize_lang
from qbdkit.services.base import Context

SESSION_COOKIE = "qbdkit_session"
PRE_COOKIE = "qbdkit_pre"
LANG_COOKIE = "qbdkit_lang"
FLASH_COOKIE = "qbdkit_flash"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Unsafe requests allowed without a CSRF token (they carry no session: JSON sign-in).
CSRF_EXEMPT = frozenset({"/api/auth/login"})
#: Forms posted before sign-in (checked against the pre-session cookie).
PRE_SESSION_FORMS = frozenset({"/login", "/login/change", "/lang"})


@dataclass(frozen=True)
class WebUser:
    """The signed-in user of a request (``lang``: the language the pages are shown in)."""

    name: str
    role: str
    lang: str = "en"
    full_name: str | None = None


class CsrfFailed(PermissionDenied):
    """An unsafe request without the right CSRF token (403)."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def signing_in(request: Request, attempt):
    """Run a sign-in ``attempt()`` under the per-address throttle (429 when used up); a
    refused sign-in counts, a successful one does not."""
    throttle = request.app.state.throttle
    where = client_address(request)
    throttle.check(where)
    try:
        return attempt()
    except AuthenticationRequired:
        throttle.failed(where)
        raise
    except PermissionDenied as exc:  # the wrong password that locked the account
        if "wrong password" in str(exc):
            throttle.failed(where)
        raise


def store_url(request: Request) -> str | None:
    """The store the application serves (None: ``$QBDKIT_DATABASE_URL`` / the default)."""
    return getattr(request.app.state, "url", None)


def request_lang(request: Request) -> str:
    """The chosen language: the language cookie, else the browser's ``Accept-Language``."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen:
        return normalize_lang(chosen)
    accept = request.headers.get("accept-language", "")
    return normalize_lang(accept.split(",")[0]) if accept else "en"


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def current_user(request: Request) -> WebUser:
    """The signed-in user; :class:`AuthenticationRequired` otherwise (the API answers 401,
    pages redirect to ``/login``)."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    from qbdkit.services.auth import session_user

    who = session_user(session_token(request), url=store_url(request))
    user = WebUser(who.name, who.role, who.lang or request_lang(request), who.full_name)
    request.state.user = user
    return user


def optional_user(request: Request) -> WebUser | None:
    """The signed-in user, or None (sign-in page, error pages)."""
    try:
        return current_user(request)
    except AuthenticationRequired:
        return None


def ctx(request: Request, user: WebUser = Depends(current_user)) -> Context:
    """The service context: who acts (the signed-in user), on which store, in which language."""
    return Context(user=user.name, url=store_url(request), lang=user.lang)


def _pre_secret(request: Request) -> str:
    """The pre-session secret (minted once per browser; the response sets the cookie)."""
    secret = request.cookies.get(PRE_COOKIE) or getattr(request.state, "pre_secret", None)
    if not secret:
        secret = secrets.token_urlsafe(32)
        request.state.pre_secret = secret
    return secret


def csrf_from(secret: str) -> str:
    """``HMAC-SHA256(secret, "qbdkit-csrf")`` as hex (secret: the session token)."""
    return hmac.new(secret.encode("utf-8"), b"qbdkit-csrf", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token this browser must send with every unsafe request."""
    return csrf_from(session_token(request) or _pre_secret(request))


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or wrong (403)."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path in CSRF_EXEMPT and session_token(request) is None:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise CsrfFailed("sign-in must be JSON", column="content-type",
                             expected="application/json", found=ctype or "none")
        return
    if session_token(request) is None and request.url.path not in PRE_SESSION_FORMS:
        # nothing a forged request could ride on: the action needs a sign-in anyway
        raise AuthenticationRequired("not signed in", column="session",
                                     expected="sign in first", found="no session")
    given = request.headers.get("x-csrf-token")
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if session_token(request) is None and request.cookies.get(PRE_COOKIE) is None:
        raise CsrfFailed("missing CSRF token", column="csrf_token",
                         expected="the form's token (reload the page)", found="no cookie")
    if not given or not hmac.compare_digest(given, csrf_token(request)):
        raise CsrfFailed("missing or wrong CSRF token", column="csrf_token",
                         expected="the token of this page (reload the page and try again)",
                         found="missing" if not given else "wrong token")
