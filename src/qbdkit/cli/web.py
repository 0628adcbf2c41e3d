"""``qbdkit serve``: the web application (FastAPI on uvicorn) on the configured store.

``--demo`` first makes a fresh embedded store in a new folder, with the role accounts of
:mod:`qbdkit.demo.accounts` and the demo project loaded (:func:`qbdkit.demo.run.run_demo`,
authored by ``scientist``), then serves it.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from qbdkit.cli.common import info
from qbdkit.errors import QbdInputError


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        workers: int = typer.Option(1, "--workers", min=1, max=64,
                                    help="Worker processes (uvicorn)."),
        demo: bool = typer.Option(False, "--demo",
                                  help="Serve a fresh store with the demo project and demo "
                                       "accounts (scientist, reviewer, qa, viewer, admin)."),
        demo_dir: Path | None = typer.Option(None, "--demo-dir",
                                             help="Folder for the demo store (default: a new "
                                                  "temporary folder)."),
    ) -> None:
        """Run the web application (open http://HOST:PORT in a browser)."""
        from qbdkit.services.auth import store_info
        from qbdkit.store import resolve_url
        from qbdkit.store.meta import SINGLE_USER

        if not 0 < port < 65536:
            raise QbdInputError("not a TCP port", column="--port", expected="1–65535",
                                found=port)
        if demo:
            url = _prepare_demo(demo_dir)
        else:
            url = resolve_url()
            if store_info(url).mode == SINGLE_USER:
                raise QbdInputError(
                    "the web application needs a multi-user store", column="store",
                    expected="`qbdkit store secure --admin NAME` first (or --demo)",
                    found=f"single-user store {url}")
        os.environ["QBDKIT_DATABASE_URL"] = url
        import uvicorn

        info(f"qbdkit web: http://{host}:{port}/  (store {_shown(url)})")
        uvicorn.run("qbdkit.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", proxy_headers=False)


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _prepare_demo(folder: Path | None) -> str:
    import tempfile

    from qbdkit.demo.accounts import demo_password, make_demo_accounts
    from qbdkit.demo.run import run_demo

    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="qbdkit-serve-demo-"))
    elif folder.exists() and any(folder.iterdir()):
        raise QbdInputError("demo folder is not empty", file=str(folder), column="--demo-dir",
                            expected="a new or empty folder", found="existing files")
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(folder / 'qbdkit.sqlite').resolve()}"
    password, generated = demo_password()
    names = make_demo_accounts(password, url=url)
    info(f"[demo] store {folder / 'qbdkit.sqlite'}; loading the demo project …")
    run_demo(folder, user="scientist", formats=(), url=url,
             progress=lambda m: info(f"[demo] {m}"))
    typer.echo("demo accounts: " + ", ".join(names))
    if generated:
        typer.echo(f"demo password (shown once): {password}")
    else:
        typer.echo("demo password: as given in QBDKIT_DEMO_PASSWORD")
    return url
