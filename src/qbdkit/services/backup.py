"""Backup and restore of the whole store; de-identified export (issue 11; seed 001 §2.4).

``backup(out)`` writes one ZIP file: ``manifest.json`` (format, qbdkit version, schema
revision, store id, backend, UTC time, and per table its row count and the SHA-256 of its
file) and ``tables/<table>.jsonl`` — every row of every store table, one JSON object per
line (bytes as ``{"$b64": …}``, times as ``{"$dt": "…Z"}``). The rows are read in ONE
read transaction (SQLite: the shared lock keeps writers from committing meanwhile;
PostgreSQL: ``REPEATABLE READ``), so the snapshot is consistent. The same format restores
into either backend.

``restore(file, url)`` fills an empty database (no qbdkit tables, or a store that has never
been used): the schema is made by the migrations, the initial rows they insert are replaced
by the backup's rows in one transaction (append-only triggers lifted only inside it), every
table's checksum is checked before anything is written, and the result is verified with
:func:`qbdkit.services.audit.verify_audit` (which needs the store's audit key: same machine,
or the key file copied / ``QBDKIT_KEY_FILE``).

Hand-written: the pieces are SQLAlchemy Core selects/inserts, :mod:`zipfile` and
:mod:`json`; database-specific dump tools (``pg_dump``, ``.backup``) cannot restore into the
other backend and know nothing of the audit chain.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Conflict, QbdInputError
from qbdkit.store.chain import utc_text

FORMAT = 1
_TRIGGER_TABLES = ("audit_entries", "records", "project_versions", "project_files", "blobs",
                   "record_inputs", "signatures", "audit_macs")


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": utc_text(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"].replace("Z", "+00:00"))
    return value


@dataclass(frozen=True)
class BackupResult(Result):
    file: str
    store_id: str | None
    backend: str
    schema_revision: str
    tables: dict[str, dict[str, Any]]
    sha256: str

    def summary(self) -> str:
        rows = sum(t["rows"] for t in self.tables.values())
        return (f"backup of store {self.store_id} ({self.backend}, schema {self.schema_revision})"
                f" written to {self.file}: {len(self.tables)} tables, {rows} rows; "
                f"sha256 {self.sha256}")


def _tables():
    from qbdkit.store.schema import Base

    return list(Base.metadata.sorted_tables)


def backup(out: str | Path, *, user: str | None = None, url: str | None = None) -> BackupResult:
    """Write a consistent snapshot of the whole store to ``out`` (admin on a multi-user
    store). Written beside the target and renamed into place: never half-written."""
    import os
    import tempfile

    from qbdkit import __version__
    from qbdkit.store import transaction
    from qbdkit.store.db import SCHEMA_REVISION
    from qbdkit.store.meta import store_id

    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise QbdInputError("a backup is a .zip file", file=str(out), expected="FILE.zip",
                            found=out.suffix or "no suffix")
    manifest: dict[str, Any] = {"format": FORMAT, "qbdkit_version": __version__,
                                "schema_revision": SCHEMA_REVISION, "tables": {}}
    fd, tmp = tempfile.mkstemp(prefix=".qbdkit-backup-", suffix=".zip",
                               dir=out.resolve().parent)
    os.close(fd)
    if user is not None:
        from qbdkit.services.users import require

        with transaction(url, write=False) as session:
            require(session, user, "admin")
    from sqlalchemy.orm import Session

    from qbdkit.store import get_engine
    from qbdkit.store.db import _READ_ONLY

    engine = get_engine(url)
    bind = (engine.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else engine.execution_options(**{_READ_ONLY: True}))
    try:
        with Session(bind) as session, session.begin(), \
                zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            manifest["backend"] = engine.dialect.name
            manifest["store_id"] = store_id(session)
            manifest["created_at"] = utc_text(datetime.now().astimezone())
            for table in [*_tables(), None]:
                name = "alembic_version" if table is None else table.name
                query = (text("SELECT version_num FROM alembic_version") if table is None
                         else select(table).order_by(*table.primary_key.columns))
                digest = hashlib.sha256()
                count = 0
                with zf.open(f"tables/{name}.jsonl", "w") as fh:
                    for row in session.execute(query).mappings():
                        line = (json.dumps({k: _encode(v) for k, v in row.items()},
                                           ensure_ascii=False, sort_keys=True) + "\n"
                                ).encode("utf-8")
                        digest.update(line)
                        fh.write(line)
                        count += 1
                manifest["tables"][name] = {"rows": count, "sha256": digest.hexdigest()}
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return BackupResult(str(out), manifest["store_id"], manifest["backend"],
                        manifest["schema_revision"], manifest["tables"], digest)


def _read_backup(path: Path) -> tuple[dict[str, Any], dict[str, list[bytes]]]:
    """The manifest and every table's lines, each table checked against its checksum."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise QbdInputError("not a qbdkit backup", file=str(path), expected="a .zip written by "
                            "`qbdkit backup`", found=str(exc)) from exc
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise QbdInputError("the backup has no readable manifest", file=str(path),
                                expected="manifest.json", found=str(exc)) from exc
        if manifest.get("format") != FORMAT:
            raise QbdInputError("unknown backup format", file=str(path), column="format",
                                expected=str(FORMAT), found=manifest.get("format"))
        lines: dict[str, list[bytes]] = {}
        for name, info in manifest["tables"].items():
            try:
                data = zf.read(f"tables/{name}.jsonl")
            except KeyError as exc:
                raise QbdInputError("a table is missing from the backup", file=str(path),
                                    column=name, expected="tables/NAME.jsonl",
                                    found="missing") from exc
            if hashlib.sha256(data).hexdigest() != info["sha256"]:
                raise QbdInputError("a table of the backup does not match its checksum",
                                    file=str(path), column=name,
                                    expected=info["sha256"], found="altered or damaged")
            lines[name] = data.splitlines(keepends=True)
            if len(lines[name]) != info["rows"]:
                raise QbdInputError("row count differs from the manifest", file=str(path),
                                    column=name, expected=str(info["rows"]),
                                    found=str(len(lines[name])))
    return manifest, lines


@dataclass(frozen=True)
class RestoreResult(Result):
    url: str
    store_id: str | None
    tables: dict[str, int]
    verified: bool
    verification: str

    def summary(self) -> str:
        return (f"restored store {self.store_id}: "
                + ", ".join(f"{k} {v}" for k, v in self.tables.items() if v)
                + f"\n{self.verification}")

    def table(self) -> str:
        return format_table(["table", "rows"], [[k, v] for k, v in self.tables.items()])


def _is_empty(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    if "alembic_version" not in names:
        return True
    with engine.connect() as conn:
        projects = conn.execute(text("SELECT count(*) FROM projects")).scalar() \
            if "projects" in names else 0
        entries = conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() \
            if "audit_entries" in names else 0
        users = conn.execute(text("SELECT count(*) FROM users")).scalar() \
            if "users" in names else 0
    return not projects and entries <= 2 and users <= 1


def restore(file: str | Path, *, url: str | None = None) -> RestoreResult:
    """Restore ``file`` into the empty store at ``url`` and verify it."""
    from qbdkit.store import dispose, resolve_url
    from qbdkit.store.db import SCHEMA_REVISION, _make_engine, upgrade

    path = Path(file)
    manifest, lines = _read_backup(path)
    if manifest.get("schema_revision") != SCHEMA_REVISION:
        raise QbdInputError("the backup was made with another schema revision",
                            file=str(path), column="schema_revision",
                            expected=SCHEMA_REVISION, found=manifest.get("schema_revision"))
    target = resolve_url(url)
    dispose(target)
    engine = _make_engine(target)
    try:
        if not _is_empty(engine):
            raise Conflict("the target store is not empty", column="QBDKIT_DATABASE_URL",
                           expected="an empty database (restore never overwrites a store)",
                           found=make_url(target).render_as_string(hide_password=True))
        upgrade(engine)
        counts = _load(engine, lines)
    finally:
        engine.dispose()
    from qbdkit.services.audit import verify_audit

    report = verify_audit(url=target)
    return RestoreResult(target, manifest.get("store_id"), counts, report.intact,
                         report.summary())


def _load(engine: Engine, lines: dict[str, list[bytes]]) -> dict[str, int]:
    tables = _tables()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        dialect = conn.dialect.name
        saved: list[str] = []
        if dialect == "sqlite":
            for (sql,) in conn.execute(text(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger'")):
                saved.append(sql)
            for (name,) in conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'")):
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            for t in _TRIGGER_TABLES:
                conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER {t}_append_only"))
        for table in reversed(tables):
            conn.execute(table.delete())
        conn.execute(text("DELETE FROM alembic_version"))
        for table in tables:
            rows = [{k: _decode(v) for k, v in json.loads(line).items()}
                    for line in lines.get(table.name, [])]
            for i in range(0, len(rows), 1000):
                conn.execute(table.insert(), rows[i:i + 1000])
            counts[table.name] = len(rows)
        for line in lines.get("alembic_version", []):
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                         {"v": json.loads(line)["version_num"]})
        if dialect == "sqlite":
            for sql in saved:
                conn.execute(text(sql))
        else:
            for t in _TRIGGER_TABLES:
                conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER {t}_append_only"))
            for table in tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and \
                        str(pk[0].type).upper().startswith("INTEGER"):
                    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                       {"t": table.name, "c": pk[0].name}).scalar()
                    if seq:
                        top = conn.execute(select(func.max(pk[0]))).scalar()
                        conn.execute(text("SELECT setval(:s, :v, :called)"),
                                     {"s": seq, "v": top or 1, "called": top is not None})
    return counts


# ---- de-identified export ---------------------------------------------------------------------

#: Column / field names that carry a person's or a client's identity (seed 001 §2.4;
#: seed 004 donor and patient data), matched ignoring case, spaces, ``_``/``-`` and a unit.
IDENTIFIER_NAMES = frozenset({
    "client", "customer", "sponsor", "client id", "client name", "donor", "donor id",
    "donor name", "patient", "patient id", "patient name", "subject", "subject id", "recipient",
    "recipient id", "客户", "委托方", "客户名称", "供者", "供者编号", "献血者", "患者", "患者编号",
    "病人", "受试者", "受者",
})


def is_identifier(name: str) -> bool:
    from qbdkit.model.schema import loose_key

    return loose_key(str(name)) in IDENTIFIER_NAMES


def pseudonym(key: bytes, value: str) -> str:
    """A stable pseudonym: ``ID-`` + the first 10 hex of HMAC-SHA-256(key, value)."""
    import hmac

    return "ID-" + hmac.new(key, b"qbdkit-pseudonym:" + value.encode("utf-8"),
                            hashlib.sha256).hexdigest()[:10]


def deidentify_document(doc: Any, key: bytes) -> Any:
    """``doc`` with every identifier field's text replaced by its pseudonym."""
    if isinstance(doc, dict):
        return {k: (pseudonym(key, str(v)) if is_identifier(k) and isinstance(v, str | int)
                    and not isinstance(v, bool) and str(v).strip()
                    else deidentify_document(v, key)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [deidentify_document(v, key) for v in doc]
    return doc


def deidentify_table_bytes(name: str, data: bytes, key: bytes) -> bytes:
    """A CSV/XLSX area file with its identifier columns pseudonymised (other files as is)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        import csv

        from qbdkit.io.tables import decode_bytes

        text_, encoding = decode_bytes(data)
        rows = list(csv.reader(io.StringIO(text_)))
        if not rows:
            return data
        cols = [i for i, h in enumerate(rows[0]) if is_identifier(h)]
        if not cols:
            return data
        for row in rows[1:]:
            for i in cols:
                if i < len(row) and row[i].strip():
                    row[i] = pseudonym(key, row[i].strip())
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode(encoding)
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data))
        changed = False
        for ws in wb.worksheets:
            header = [c.value for c in next(ws.iter_rows(max_row=1), [])]
            cols = [i for i, h in enumerate(header) if h is not None and is_identifier(h)]
            for row in ws.iter_rows(min_row=2):
                for i in cols:
                    if i < len(row) and row[i].value not in (None, ""):
                        row[i].value = pseudonym(key, str(row[i].value).strip())
                        changed = True
        if not changed:
            return data
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    return data


def pseudonym_key(*, url: str | None = None) -> bytes:
    """The store's pseudonym key, derived from its current audit key (never stored)."""
    import hmac

    from qbdkit.store import transaction
    from qbdkit.store.meta import store_keys

    with transaction(url, write=False) as session:
        keys = store_keys(session)
    return hmac.new(keys.keys[keys.current], b"qbdkit-pseudonym-key", hashlib.sha256).digest()

