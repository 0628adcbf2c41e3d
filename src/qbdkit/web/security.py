"""Security headers and the request-size limit (pure ASGI middleware).

Headers (OWASP Secure Headers Project; ASVS 4.0.3 V14.4): a Content-Security-Policy with
``script-src 'self'`` (no inline script, no eval, no CDN), ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY`` (no clickjacking), ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: same-origin``, a restrictive ``Permissions-Policy``; pages and API answers
are ``Cache-Control: no-store`` (ASVS V8.2.1: nothing sensitive kept in shared caches);
static files may be cached. Styles allow ``'unsafe-inline'`` because Plotly.js injects its
stylesheet at run time (styles cannot run code).

:class:`BodyLimit` refuses request bodies above ``QBDKIT_WEB_MAX_UPLOAD_MB`` (default 20 MB)
with 413 — by ``Content-Length`` at once, and by counting for chunked bodies (ASVS V12.1.1).
"""

from __future__ import annotations

import json
import os

from starlette.exceptions import HTTPException

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def max_body_bytes() -> int:
    return int(float(os.environ.get("QBDKIT_WEB_MAX_UPLOAD_MB", "20")) * 1024 * 1024)


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {h for h, _ in HEADERS}]
                headers += HEADERS
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised while the body streams in (FastAPI re-raises HTTP errors met while parsing)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit // (1024 * 1024)} MB")


class BodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_body_bytes()
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": "PayloadTooLarge",
                       "message": f"request body larger than {limit // (1024 * 1024)} MB",
                       "problems": []}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
