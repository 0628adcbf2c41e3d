"""Benchmark: 50 signed-in users browsing and editing the demo project on PostgreSQL, with a
design-space job running meanwhile (issue 15, Speed).

Setting: a fresh PostgreSQL schema holding the demo project (``qbdkit.demo.run.run_demo``),
one scientist account per simulated user and ``FMEA_RECORDS`` copies of the demo FMEA; one
``qbdkit serve`` process (uvicorn, 1 worker — jobs run in-process) on 127.0.0.1. An asyncio
httpx client (loopback only) signs every user in through ``POST /api/auth/login`` and then,
for ``--duration`` seconds, each user in a loop either

* reads a page (project list, overview, risk, DoE, profiler, records, report form) — 70 %,
* asks the prediction profiler (``POST /api/…/profile``, 21 points per trace) — 15 %,
* edits an FMEA with optimistic locking — 15 %: load the newest version
  (``GET /api/projects/P/records/risk.fmea/KEY``), write a unique marker into one row's
  ``owner`` (``POST /api/projects/P/risk/fmea/KEY`` with ``expected_version``); a 409 means
  someone saved meanwhile: reload and apply the change again (at most 5 tries).

then thinks for ``--think`` seconds (uniform ±50 %; default 2 s — a person reading a page;
``--think 0.2`` is a stress test). At the start one user starts a design-space Monte Carlo job (4 000 draws, 21⁴ grid) through
the API; its duration is reported. Afterwards every write the server acknowledged is checked
in the store: its version must hold its marker (a *lost update* otherwise) and no two
acknowledged writes may share a version.

Latency is measured per request (send → full body) with ``time.perf_counter``; p50/p95 by
``numpy.percentile``. Errors are transport failures and non-2xx answers other than the
expected 409 conflicts. Targets (issue 15): p95 ≤ 300 ms pages, ≤ 500 ms writes, 0 errors,
0 lost updates.

Honesty: the client, the server and PostgreSQL share this machine (``os.cpu_count()`` is
printed, with the load average before and after — other work may be running); passwords use
the ``fast`` Argon2 profile so that signing 50 users in does not dominate the run (sign-in is
not timed).

Run: ``.venv/bin/python benchmarks/web.py [--users 50] [--duration 60]
[--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]`` (bounded: setup ≈ 1 min,
the load ``--duration`` seconds, at most 180 s in all by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

PROJECT = "demo-mab"
PASSWORD = "Bench-harbour-4711"
FMEA_RECORDS = 10
PAGES = ["/projects", f"/projects/{PROJECT}", f"/projects/{PROJECT}/risk",
         f"/projects/{PROJECT}/doe", f"/projects/{PROJECT}/doe/analyses/response-surface/profiler",
         f"/projects/{PROJECT}/records", f"/projects/{PROJECT}/report"]
PROFILE = f"/api/projects/{PROJECT}/doe/analyses/response-surface/profile"
ROWS = ["B01", "B02", "B03", "B04", "B05", "B06", "P01", "P02", "P03", "P04", "P05"]


@dataclass
class Tally:
    lat: dict[str, list[float]] = field(default_factory=lambda: {"page": [], "api": [],
                                                                  "write": []})
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    gave_up: int = 0
    acked: list[tuple[str, int, str, str]] = field(default_factory=list)  # key, v, row, marker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _schema_url(base: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)


def setup(base: str, users: int, folder: Path) -> tuple[str, str, list[str]]:
    """A fresh schema with the demo project, the users and the FMEA copies."""
    from sqlalchemy import create_engine, text

    schema = f"qbdkit_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = _schema_url(base, schema)
    from qbdkit.demo.run import PROJECT_DIR, run_demo
    from qbdkit.services.auth import login, secure_store
    from qbdkit.services.base import Context
    from qbdkit.services.records import run_and_store
    from qbdkit.services.risk import FmeaRequest
    from qbdkit.services.users import add_user
    from qbdkit.store import dispose

    secure_store("admin", PASSWORD, full_name="Bench Admin", url=url)
    names = [f"u{i:02d}" for i in range(1, users + 1)]
    for n in names:
        add_user(n, "scientist", user="admin", full_name=f"User {n}", password="init-" + PASSWORD,
                 reason="benchmark", url=url)
        login(n, "init-" + PASSWORD, new_password=PASSWORD, url=url)
    run_demo(folder / "demo", user=names[0], formats=(), url=url)
    ctx = Context(user=names[0], url=url)
    keys = []
    for i in range(FMEA_RECORDS):
        key = f"bench-{i}"
        run_and_store("risk.fmea", FmeaRequest(file=PROJECT_DIR / "risk" / "fmea.csv"), ctx,
                      project=PROJECT, name=key, reason="benchmark")
        keys.append(key)
    dispose(url)
    return schema, url, keys


async def timed(client: httpx.AsyncClient, tally: Tally, kind: str, method: str, url: str,
                **kw) -> httpx.Response | None:
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
        await r.aread()
    except httpx.HTTPError as exc:
        tally.errors.append(f"{method} {url}: {type(exc).__name__}")
        return None
    dt = time.perf_counter() - t0
    if r.status_code == 409:
        tally.conflicts += 1
    elif r.status_code >= 400:
        tally.errors.append(f"{method} {url}: {r.status_code} {r.text[:120]}")
        return r
    tally.lat[kind].append(dt)
    return r


async def write(client: httpx.AsyncClient, tally: Tally, user: str, key: str, n: int,
                rng: random.Random) -> None:
    row = rng.choice(ROWS)
    marker = f"{user}-{n}-{uuid.uuid4().hex[:6]}"
    for _attempt in range(5):
        got = await timed(client, tally, "api", "GET",
                          f"/api/projects/{PROJECT}/records/risk.fmea/{key}")
        if got is None or got.status_code != 200:
            return
        version = got.json()["record"]["version"]
        r = await timed(client, tally, "write", "POST", f"/api/projects/{PROJECT}/risk/fmea/{key}",
                        json={"expected_version": version, "reason": f"benchmark {marker}",
                              "edits": [{"id": row, "values": {"owner": marker}}]})
        if r is None:
            return
        if r.status_code == 200:
            tally.acked.append((key, int(r.json()["version"]), row, marker))
            return
        if r.status_code != 409:
            return
    tally.gave_up += 1


async def user_loop(base: str, user: str, keys: list[str], deadline: float, tally: Tally,
                    seed: int, think: float) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        r = await client.post("/api/auth/login", json={"username": user, "password": PASSWORD})
        if r.status_code != 200:
            tally.errors.append(f"login {user}: {r.status_code}")
            return
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        n = 0
        while time.monotonic() < deadline:
            n += 1
            x = rng.random()
            if x < 0.70:
                await timed(client, tally, "page", "GET", rng.choice(PAGES))
            elif x < 0.85:
                await timed(client, tally, "api", "POST", PROFILE, json={
                    "points": 21, "settings": {"pH": round(rng.uniform(6.8, 7.2), 3)}})
            else:
                await write(client, tally, user, keys[rng.randrange(len(keys))], n, rng)
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)  # think time


async def design_space_job(base: str, user: str) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        r = await client.post("/api/auth/login", json={"username": user, "password": PASSWORD})
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        t0 = time.perf_counter()
        r = await client.post(
            f"/api/projects/{PROJECT}/doe/analyses/response-surface/design-space",
            json={"specs": ["Titer (g/L) >= 4.0", "Aggregate (%) <= 2.2",
                            "2 <= Afucosylation (%) <= 13", "HCP (ng/mg) <= 100"],
                  "name": "bench-space", "draws": 4000, "grid": 21, "reason": "benchmark"})
        if r.status_code != 202:
            return {"state": f"not started: {r.status_code} {r.text[:200]}"}
        job = r.json()["job"]
        while True:
            st = (await client.get(f"/api/jobs/{job}")).json()
            if st["state"] in ("done", "failed"):
                st["seconds"] = time.perf_counter() - t0
                return st
            await asyncio.sleep(1.0)


def check_lost(url: str, tally: Tally) -> tuple[int, int]:
    """(lost updates, versions acknowledged twice) among the acknowledged writes."""
    from qbdkit.services.records import get_record

    lost = 0
    seen: dict[tuple[str, int], str] = {}
    dup = 0
    for key, version, row, marker in tally.acked:
        if (key, version) in seen:
            dup += 1
        seen[(key, version)] = marker
        rec = get_record(PROJECT, "risk.fmea", key, version, url=url)
        rows = rec["content"]["result"]["rows"]
        if not any(r.get("id") == row and r.get("owner") == marker for r in rows):
            lost += 1
    return lost, dup


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else float("nan")


async def run_load(base: str, names: list[str], keys: list[str], duration: float,
                   think: float) -> tuple[Tally, dict]:
    tally = Tally()
    deadline = time.monotonic() + duration
    job = asyncio.create_task(design_space_job(base, names[0]))
    await asyncio.gather(*(user_loop(base, n, keys, deadline, tally, seed=i, think=think)
                           for i, n in enumerate(names)))
    try:
        st = await asyncio.wait_for(job, timeout=120)
    except TimeoutError:
        st = {"state": "still running after the load (waited 120 s more)"}
    return tally, st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=2.0,
                    help="mean think time between a user's actions, seconds (uniform ±50 %%)")
    ap.add_argument("--postgres", default=os.environ.get(
        "QBDKIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qbdkit-bench-web-"))
    os.environ.update({"QBDKIT_CONFIG_DIR": str(folder / "config"),
                       "QBDKIT_ARGON2_PROFILE": "fast"})
    os.environ.pop("QBDKIT_KEY_FILE", None)
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    schema, url, keys = setup(args.postgres, args.users, folder)
    try:
        run(args, folder, url, keys, schema, t0, load0)
    finally:
        from sqlalchemy import create_engine, text

        from qbdkit.store import dispose

        dispose(url)
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run(args, folder: Path, url: str, keys: list[str], schema: str, t0: float,
        load0: tuple[float, float, float]) -> None:
    names = [f"u{i:02d}" for i in range(1, args.users + 1)]
    print(f"setup: schema {schema}, {args.users} users, demo project, {len(keys)} FMEAs "
          f"({time.perf_counter() - t0:.0f} s)")
    port = _free_port()
    env = {**os.environ, "QBDKIT_DATABASE_URL": url}
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "qbdkit.cli.main", "serve", "--host",
                               "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit("qbdkit serve exited: see " + str(folder / "serve.log"))
            time.sleep(0.2)
        tally, job = asyncio.run(run_load(base, names, keys, args.duration, args.think))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    lost, dup = check_lost(url, tally)
    load1 = os.getloadavg()
    n = {k: len(v) for k, v in tally.lat.items()}
    print(f"machine: {os.cpu_count()} CPUs; load average before {load0[0]:.2f}, after "
          f"{load1[0]:.2f} (client, server and PostgreSQL share it; other work may run)")
    total = sum(n.values())
    print(f"load: {args.users} users for {args.duration:.0f} s, think time {args.think:g} s "
          f"(±50 %): {total} requests, {total / args.duration:.1f} per s; design-space job: "
          f"{job.get('state')} in {job.get('seconds', float('nan')):.1f} s")
    for kind, target in (("page", 300), ("api", None), ("write", 500)):
        tgt = f" (target p95 ≤ {target} ms)" if target else ""
        print(f"  {kind:5s}: n={n[kind]:5d}  p50 {pct(tally.lat[kind], 50):7.1f} ms  "
              f"p95 {pct(tally.lat[kind], 95):7.1f} ms{tgt}")
    print(f"  writes acknowledged {len(tally.acked)}, conflicts (409, retried) "
          f"{tally.conflicts}, given up after 5 tries {tally.gave_up}")
    print(f"  errors {len(tally.errors)} (target 0); lost updates {lost} (target 0); "
          f"versions acknowledged twice {dup}")
    for e in tally.errors[:10]:
        print("   ", e)


if __name__ == "__main__":
    main()
