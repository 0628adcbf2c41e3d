"""Backup → restore keeps every row; a damaged backup or a non-empty target is refused;
de-identified export replaces client, donor and patient identifiers (issue 11)."""

from __future__ import annotations

import zipfile

import pytest

from qbdkit.errors import Conflict, PermissionDenied, QbdInputError
from qbdkit.services.backup import backup, restore
from qbdkit.store.db import dispose, dump_tables


@pytest.fixture
def filled(db_url, team, tmp_path):
    from qbdkit.model import Batch, Process, Product, Project, save_project
    from qbdkit.services.auth import login
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import save_record
    from qbdkit.services.signatures import sign

    d = tmp_path / "p"
    save_project(Project(name="p", product=Product(name="x", modality="car-t"),
                         process=Process(),
                         batches=[Batch(id="B1", kind="clinical",
                                        extra={"patient_id": "PT-0042", "ward": "SH"})]), d)
    (d / "risk").mkdir()
    (d / "risk" / "donors.csv").write_text("donor,供者编号,result\n"
                                           "Zhang San,D-001,negative\n", encoding="utf-8")
    import_project(d, user="sci")
    save_record("p", "doe.analysis", "t", {"r2": 0.9}, user="sci", reason="r",
                inputs={"file": ("runs.csv", b"a,b\n1,2\n")})
    sign("p", "doe.analysis", "t", meaning="authored", password=team["sci"], user="sci")
    login("qa", team["qa"])
    return db_url


def _fresh_url(db_url, tmp_path, request):
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    import os
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"qbdkit_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(os.environ["QBDKIT_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        dispose(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    request.addfinalizer(drop)
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["QBDKIT_TEST_POSTGRES_URL"]).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    return url


def test_round_trip_keeps_every_row(filled, tmp_path, request):
    before = dump_tables(filled)
    result = backup(tmp_path / "store.zip", user="admin")
    assert result.tables["audit_entries"]["rows"] == len(before["audit_entries"])
    target = _fresh_url(filled, tmp_path, request)
    restored = restore(tmp_path / "store.zip", url=target)
    assert restored.verified, restored.verification
    assert dump_tables(target) == before
    # the restored store works on: the same users sign in, and it refuses a second restore
    from qbdkit.services.auth import login

    assert login("sci", "Copper-kettle-2031", url=target).user == "sci"
    with pytest.raises(Conflict, match="not empty"):
        restore(tmp_path / "store.zip", url=target)


def test_only_an_admin_backs_up(filled, tmp_path):
    with pytest.raises(PermissionDenied):
        backup(tmp_path / "b.zip", user="qa")
    assert not (tmp_path / "b.zip").exists()


def test_a_damaged_backup_is_refused_and_nothing_is_written(filled, tmp_path, request):
    backup(tmp_path / "b.zip", user="admin")
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/records.jsonl":
                data = data.replace(b"0.9", b"0.1")
            dst.writestr(item, data)
    target = _fresh_url(filled, tmp_path, request)
    with pytest.raises(QbdInputError, match="does not match its checksum"):
        restore(damaged, url=target)
    with pytest.raises(QbdInputError, match="not a qbdkit backup"):
        (tmp_path / "junk.zip").write_bytes(b"not a zip")
        restore(tmp_path / "junk.zip", url=target)


def test_deidentified_export(filled, tmp_path):
    from qbdkit.model import load_project
    from qbdkit.services.projects import export_project

    export_project("p", tmp_path / "out", deidentify=True)
    text = (tmp_path / "out" / "risk" / "donors.csv").read_text(encoding="utf-8")
    assert "Zhang San" not in text and "D-001" not in text and "negative" in text
    batch = load_project(tmp_path / "out").batches[0]
    assert batch.extra["patient_id"].startswith("ID-") and batch.extra["ward"] == "SH"
    export_project("p", tmp_path / "again", deidentify=True)  # stable pseudonyms
    assert (tmp_path / "again" / "risk" / "donors.csv").read_text(encoding="utf-8") == text
