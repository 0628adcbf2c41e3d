"""Web fixtures: a real ``qbdkit serve`` per backend, a headless Chromium, API clients.

* ``web_server`` (session scope, params sqlite / postgresql): a fresh store — the team of
  ``tests/conftest.py`` (users admin, sci, rev, qa, view with ``PASSWORDS``) and the demo
  projects loaded by ``sci`` — served by a ``qbdkit serve`` subprocess on 127.0.0.1 and a
  free port. Tests share it: give the things you create unique names.
* ``browser_page``: a Playwright page (sync API) in a fresh browser context (no cookies),
  ``base_url`` set to the server; Chromium is Debian's ``/usr/bin/chromium``.
* ``signed_in(page, user)``: signs ``page`` in through the sign-in form.
* ``api_client(user)``: an ``httpx.Client`` signed in through ``POST /api/auth/login``, with
  the CSRF header set.
* ``shot(page, name)``: a full-page screenshot ``test-artifacts/screenshots/<backend>-<name>.png``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 60_000  # a loaded 2-core machine: generous, but every wait is for a condition


def _shared():
    """``tests/conftest.py`` as a module (PASSWORDS, make_team): tests cannot import it."""
    spec = importlib.util.spec_from_file_location("qbdkit_tests_shared",
                                                  ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SHARED = _shared()
PASSWORDS: dict[str, str] = SHARED.PASSWORDS
ROLES_OF: dict[str, str] = {"admin": "admin", **SHARED.ROLES_OF}


@dataclass
class WebServer:
    url: str                # http://127.0.0.1:PORT
    backend: str            # sqlite | postgresql
    store_url: str
    env: dict[str, str]
    passwords: dict[str, str] = field(default_factory=lambda: dict(PASSWORDS))
    process: subprocess.Popen | None = None

    def unique(self, prefix: str) -> str:
        """A name no other test on this shared server uses."""
        return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qbdkit serve exited {process.returncode}:\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("qbdkit serve did not answer /healthz:\n"
                       + log.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def web_server(request, tmp_path_factory):
    """A running ``qbdkit serve`` on a team store with the demo projects (see module doc)."""
    backend = request.param
    folder = tmp_path_factory.mktemp(f"web-{backend}")
    schema = None
    if backend == "sqlite":
        store_url = f"sqlite:///{folder / 'store.sqlite'}"
    else:
        base = os.environ.get("QBDKIT_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("QBDKIT_TEST_POSTGRES_URL is not set")
        from sqlalchemy import create_engine, text

        schema = f"qbdkit_web_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        store_url = SHARED._fresh_postgres_url(base, schema)
    env = {**os.environ, "QBDKIT_CONFIG_DIR": str(folder / "config"),
           "QBDKIT_ARGON2_PROFILE": "fast", "QBDKIT_DATABASE_URL": store_url,
           "QBDKIT_LANG": "en", "QBDKIT_WEB_MAX_UPLOAD_MB": "4",
           "QBDKIT_WEB_SIGNIN_FAILURES": "100"}
    env.pop("QBDKIT_KEY_FILE", None)
    with pytest.MonkeyPatch.context() as mp:
        for key in ("QBDKIT_CONFIG_DIR", "QBDKIT_ARGON2_PROFILE", "QBDKIT_DATABASE_URL"):
            mp.setenv(key, env[key])
        mp.delenv("QBDKIT_KEY_FILE", raising=False)
        from qbdkit.demo.run import run_demo
        from qbdkit.store import dispose

        SHARED.make_team(store_url)
        run_demo(folder / "demo", user="sci", formats=(), url=store_url)
        dispose(store_url)
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qbdkit.cli.main", "serve", "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=folder)
    server = WebServer(f"http://127.0.0.1:{port}", backend, store_url, env, process=process)
    try:
        _wait_healthy(server.url, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if schema is not None:
            from sqlalchemy import create_engine, text

            from qbdkit.store import dispose

            dispose(store_url)
            admin = create_engine(os.environ["QBDKIT_TEST_POSTGRES_URL"],
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (the Makefile installs Debian's chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage",
                                           "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(_browser, web_server):
    """A fresh page (own cookies) whose relative URLs go to ``web_server``."""
    context = _browser.new_context(base_url=web_server.url, viewport={"width": 1360,
                                                                      "height": 900},
                                   locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def signed_in(web_server):
    """``signed_in(page, "sci")``: sign in through the form; returns the page."""

    def sign_in(page, user: str, password: str | None = None, lang: str = "en"):
        page.goto("/login")
        page.fill("#username", user)
        page.fill("#password", password or web_server.passwords[user])
        page.click("#signin")
        page.wait_for_selector("header .usermenu")
        # the language is kept per user on the shared server: start each test in ``lang``
        if page.locator(f".langswitch button.on[value={lang}]").count() == 0:
            page.click(f".langswitch button[value={lang}]")
            page.wait_for_selector(f".langswitch button.on[value={lang}]")
        return page

    return sign_in


@pytest.fixture
def api_client(web_server):
    """``api_client("qa")`` → an ``httpx.Client`` signed in as that user (CSRF header set);
    ``api_client(None)`` → an anonymous client. Closed after the test."""
    clients: list[httpx.Client] = []

    def make(user: str | None, password: str | None = None, lang: str = "en") -> httpx.Client:
        client = httpx.Client(base_url=web_server.url, timeout=120, follow_redirects=False)
        clients.append(client)
        if user is not None:
            r = client.post("/api/auth/login", json={
                "username": user, "password": password or web_server.passwords[user]})
            assert r.status_code == 200, r.text
            client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            if r.json()["lang"] != lang:  # kept per user on the shared server
                assert client.post("/api/me/lang", json={"lang": lang}).status_code == 200
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def shot(web_server):
    """``shot(page, "projects-en")`` saves a full-page PNG under test-artifacts/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{web_server.backend}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
