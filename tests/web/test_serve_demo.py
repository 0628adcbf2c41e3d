"""``qbdkit serve --demo`` as a newcomer runs it: a fresh store, the demo projects, the role
accounts with the password printed once; sign in and see the demo project."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_demo_prints_the_password_and_serves_the_demo(tmp_path):
    port = _free_port()
    env = {**os.environ, "QBDKIT_CONFIG_DIR": str(tmp_path / "config"),
           "QBDKIT_ARGON2_PROFILE": "fast"}
    env.pop("QBDKIT_DEMO_PASSWORD", None)
    env.pop("QBDKIT_DATABASE_URL", None)
    out = (tmp_path / "out.txt").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "qbdkit.cli.main", "serve", "--demo", "--demo-dir",
         str(tmp_path / "demo"), "--port", str(port)], env=env, stdout=out,
        stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "out.txt").read_text()[-2000:]
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        text = (tmp_path / "out.txt").read_text()
        assert "demo accounts: admin, scientist, reviewer, qa, viewer" in text
        password = re.search(r"demo password \(shown once\): (\S+)", text).group(1)
        assert len(password) >= 12
        for user, role in [("scientist", "scientist"), ("qa", "qa"), ("viewer", "viewer")]:
            r = httpx.post(base + "/api/auth/login",
                           json={"username": user, "password": password})
            assert r.status_code == 200 and r.json()["role"] == role
        cookies = r.cookies
        projects = httpx.get(base + "/api/projects", cookies=cookies).json()
        mab = next(p for p in projects if p["name"] == "demo-mab")
        assert mab["records"] > 10 and mab["created_by"] == "scientist"
    finally:
        process.terminate()
        process.wait(timeout=30)
        out.close()
