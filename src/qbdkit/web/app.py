"""The FastAPI application: routers, error mapping, security headers, static files.

``create_app(url)`` serves the store at ``url`` (None: ``$QBDKIT_DATABASE_URL``, else the
default). Each module of :data:`PAGE_MODULES` / :data:`API_MODULES` exposes
``router = APIRouter()``; every route gets :func:`~qbdkit.web.deps.csrf_protect`.

Errors (DESIGN.md): :class:`~qbdkit.errors.QbdInputError` → 422, ``PermissionDenied`` →
403, ``NotFound`` → 404, ``Conflict`` → 409, ``AuthenticationRequired`` → 401 — as JSON
``{"error", "message", "problems": [{file,row,column,message,expected,found}]}`` under
``/api``, else as a page (a page that needs a sign-in redirects to ``/login``).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from qbdkit import __version__
from qbdkit.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    QbdInputError,
)
from qbdkit.web.deps import csrf_protect, request_lang
from qbdkit.web.security import BodyLimit, SecurityHeaders
from qbdkit.web.throttle import SignInThrottle

#: Page routers (server-rendered HTML), one module per area.
PAGE_MODULES: list[str] = [
    "qbdkit.web.pages.auth",
    "qbdkit.web.pages.projects",
    "qbdkit.web.pages.admin",
    "qbdkit.web.pages.audit",
    "qbdkit.web.pages.risk",
    "qbdkit.web.pages.sdm",
    "qbdkit.web.pages.records",
]

#: JSON API routers (under /api), one module per area.
API_MODULES: list[str] = [
    "qbdkit.web.api.auth",
    "qbdkit.web.api.projects",
    "qbdkit.web.api.users",
    "qbdkit.web.api.audit",
    "qbdkit.web.api.risk",
    "qbdkit.web.api.sdm",
    "qbdkit.web.api.records",
]

STATIC = Path(__file__).parent / "static"

_STATUS: list[tuple[type[QbdInputError], int]] = [
    (AuthenticationRequired, 401), (NotFound, 404), (Conflict, 409), (PermissionDenied, 403),
    (QbdInputError, 422),
]


def status_of(exc: QbdInputError) -> int:
    return next(code for cls, code in _STATUS if isinstance(exc, cls))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(exc: QbdInputError, lang: str = "en") -> dict:
    return {"error": type(exc).__name__, "message": "; ".join(p.text(lang) for p in exc.problems),
            **exc.to_dict()}


def plotly_js() -> Path:
    """plotly.min.js as installed with the ``plotly`` package (served, never a CDN)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(url: str | None = None) -> FastAPI:
    """The web application on the store at ``url``."""
    app = FastAPI(title="qbdkit", version=__version__, openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None,
                  description="qbdkit JSON API: the same services as the command line.")
    app.state.url = url or os.environ.get("QBDKIT_DATABASE_URL") or None
    app.state.throttle = SignInThrottle()

    @app.exception_handler(QbdInputError)
    async def _qbd_error(request: Request, exc: QbdInputError) -> Response:
        from qbdkit.web.templating import render

        code = status_of(exc)
        lang = request_lang(request)
        if _is_api(request):
            return JSONResponse(error_body(exc, lang), status_code=code)
        if code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return render(request, "error.html", status_code=code, code=code,
                      problems=[p.text(lang) for p in exc.problems])

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [{"file": None, "row": None,
                     "column": ".".join(str(x) for x in e.get("loc", ()) if x != "body"),
                     "message": e.get("msg", ""), "expected": e.get("type"),
                     "found": None if e.get("input") is None else str(e.get("input"))[:200]}
                    for e in exc.errors()]
        body = {"error": "QbdInputError",
                "message": "; ".join(f"{p['column']}: {p['message']}" for p in problems),
                "problems": problems}
        if _is_api(request):
            return JSONResponse(body, status_code=422)
        from qbdkit.web.templating import render

        return render(request, "error.html", status_code=422, code=422,
                      problems=[f"{p['column']}: {p['message']}" for p in problems])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code == 413:
            return JSONResponse({"error": "HTTPError", "message": str(exc.detail),
                                 "problems": []}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        from qbdkit.web.templating import render

        return render(request, "error.html", status_code=exc.status_code,
                      code=exc.status_code, problems=[str(exc.detail)])

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_min() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    for name in PAGE_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router, dependencies=[Depends(csrf_protect)],
                           include_in_schema=False)
    for name in API_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router, prefix="/api", dependencies=[Depends(csrf_protect)])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory for ``qbdkit serve`` (several workers import it by name)."""
    return create_app()
