"""Benchmark: verifying a long audit trail, and importing a large project (issue 11, Speed).

1. ``audit verify`` of trails of 250 000, 500 000 and 1 000 000 entries on SQLite and on
   PostgreSQL: time and peak memory (max RSS of a fresh process per run), repeated; targets
   ≤ 60 s and ≤ 500 MB at 1 000 000 entries, and time linear in the entries.
   The trail is written once per size with the real chain code (``entry_hash`` and the
   HMAC of ``qbdkit.store.keys``) in bulk inserts; verification is the real
   :func:`qbdkit.services.audit.verify_audit` (hash, link, MAC of every entry, the head, the
   local anchor, and every stored row against the trail).
2. ``qbdkit import`` of a project with 100 000 measurements (target ≤ 15 s).

There is no peer: no other tool verifies this trail. Run:
``.venv/bin/python benchmarks/audit.py [--sizes 250000,500000,1000000] [--repeats 3]
[--postgres URL]`` (PostgreSQL default: the test server at 127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fill(url: str, n: int) -> None:
    """Append entries 3…n to a fresh store (entries 1–2 are the store's creation)."""
    from sqlalchemy import insert

    from qbdkit.store import get_engine, transaction
    from qbdkit.store import keys as keystore
    from qbdkit.store.chain import canonical_json, entry_hash
    from qbdkit.store.meta import store_keys
    from qbdkit.store.schema import AuditEntry, AuditHead, AuditMac

    get_engine(url)
    with transaction(url) as session:
        keys = store_keys(session)
        key = keys.keys[keys.current]
        head = session.get(AuditHead, 1)
        prev_id, prev = head.last_id, head.last_hash
        at = datetime(2026, 1, 1, tzinfo=UTC)
        batch_e, batch_m = [], []
        for i in range(prev_id + 1, n + 1):
            e = {"id": i, "at": at + timedelta(seconds=i), "user": "sci",
                 "action": "auth.login", "project": None, "entity": "user:sci", "old": None,
                 "new": canonical_json({"client": "cli", "n": i}), "reason": "signed in",
                 "prev_hash": prev}
            e["hash"] = entry_hash(e)
            prev = e["hash"]
            batch_e.append(e)
            batch_m.append({"entry_id": i, "key_id": keys.current,
                            "mac": keystore.entry_mac(key, e["hash"])})
            if len(batch_e) == 20000:
                session.execute(insert(AuditEntry), batch_e)
                session.execute(insert(AuditMac), batch_m)
                batch_e, batch_m = [], []
        if batch_e:
            session.execute(insert(AuditEntry), batch_e)
            session.execute(insert(AuditMac), batch_m)
        head.last_id, head.last_hash = n, prev
        head.key_id, head.mac = keys.current, keystore.head_mac(key, n, prev)
    keystore.move_anchor(keys, n, prev)


VERIFY = """
import json, resource, sys, time
from qbdkit.services.audit import verify_audit
t = time.perf_counter()
r = verify_audit(url=sys.argv[1])
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "intact": r.intact, "entries": r.entries,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def verify_once(url: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", VERIFY, url], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"qbdkit_bench_{uuid.uuid4().hex[:8]}"
    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def bench_verify(sizes: list[int], repeats: int, pg: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qbdkit-bench-audit-"))
    env = {**os.environ, "QBDKIT_CONFIG_DIR": str(tmp / "config")}
    os.environ.update(env)
    print(f"audit verify (target ≤ 60 s and ≤ 500 MB at 1 000 000 entries; linear); no peer; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared machine)")
    print(f"{'backend':<11}{'entries':>10}{'min s':>9}{'median s':>10}{'µs/entry':>10}"
          f"{'peak MB':>9}  intact")
    for backend in ["sqlite"] + (["postgresql"] if pg else []):
        for n in sizes:
            if backend == "sqlite":
                url, schema = f"sqlite:///{tmp / f'trail-{n}.sqlite'}", None
            else:
                url, schema = pg_schema_url(pg)
            try:
                t = time.perf_counter()
                fill(url, n)
                made = time.perf_counter() - t
                runs = [verify_once(url, env) for _ in range(repeats)]
                secs = [r["seconds"] for r in runs]
                med = statistics.median(secs)
                print(f"{backend:<11}{n:>10}{min(secs):>9.2f}{med:>10.2f}"
                      f"{1e6 * med / n:>10.1f}{max(r['rss_mb'] for r in runs):>9.0f}  "
                      f"{all(r['intact'] for r in runs)}   (trail written in {made:.0f} s)")
            finally:
                from qbdkit.store import dispose

                dispose(url)
                if schema:
                    drop_schema(pg, schema)


def bench_import(repeats: int, n: int = 100_000) -> None:
    import numpy as np

    from qbdkit.demo.run import PROJECT_DIR

    tmp = Path(tempfile.mkdtemp(prefix="qbdkit-bench-import-"))
    import shutil

    folder = tmp / "big"
    shutil.copytree(PROJECT_DIR, folder)
    rng = np.random.default_rng(1)
    batches = [f"B{i:04d}" for i in range(1000)]
    with open(folder / "data" / "batches.csv", "w", encoding="utf-8") as fh:
        fh.write("id,kind,scale,scale_unit,site\n")
        for b in batches:
            fh.write(f"{b},at-scale,2000,L,SH\n")
    with open(folder / "data" / "measurements.csv", "w", encoding="utf-8") as fh:
        fh.write("batch,unit_operation,name,time,time_unit,value,unit\n")
        for i in range(n):
            fh.write(f"{batches[i % 1000]},production_bioreactor,temperature,{i // 1000},d,"
                     f"{36 + 0.2 * rng.standard_normal():.4f},°C\n")
    times = []
    for r in range(repeats):
        env = {**os.environ, "QBDKIT_CONFIG_DIR": str(tmp / f"config{r}"),
               "QBDKIT_DATABASE_URL": f"sqlite:///{tmp / f'import{r}.sqlite'}"}
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "qbdkit.cli.main", "import", str(folder)],
                              env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            print("import failed:", proc.stderr.strip()[:500])
            return
    print(f"import of a project with {n} measurements (target ≤ 15 s): "
          f"min {min(times):.2f} s, median {statistics.median(times):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="250000,500000,1000000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--postgres", default=PG)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bench_verify(sizes, args.repeats, None if args.no_postgres else args.postgres)
    bench_import(args.repeats)


if __name__ == "__main__":
    main()
