"""Uploaded tables (scale-down comparison): the per-file limit, the type allow-list checked
by content, and a safe stored name (no folders, no control characters)."""

import io

import pytest
from starlette.datastructures import UploadFile

from qbdkit.errors import QbdInputError
from qbdkit.web.uploads import safe_name, save_upload


def upload(name, data):
    return UploadFile(file=io.BytesIO(data), filename=name)


def test_saves_a_table_under_its_base_name(tmp_path):
    path = save_upload(upload("../../etc/at_scale.csv", "批次,滴度\nA,5.1\n".encode()),
                       tmp_path, field="at_scale")
    assert path == tmp_path / "at_scale" / "at_scale.csv"
    assert path.read_text(encoding="utf-8").startswith("批次")
    assert safe_name("C:\\data\\\x07run.csv", ".csv") == "run.csv"
    assert safe_name("/", ".xlsx") == "upload.xlsx"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.exe", b"MZ", "file type not accepted"),
    ("a.xlsm", b"PK\x03\x04", "file type not accepted"),
    ("a.xlsx", b"<html>", "not a zip archive"),
    ("a.csv", b"a,b\x00", "not a text file"),
    ("a.csv", b"", "empty file"),
    ("a.csv", b"x" * 2048, "file too large"),
])
def test_refuses(tmp_path, name, data, message):
    with pytest.raises(QbdInputError, match=message) as err:
        save_upload(upload(name, data), tmp_path, field="small_scale", max_bytes=1024)
    assert err.value.first.column == "small_scale"
    assert not (tmp_path / "small_scale").exists()


def test_per_file_limit_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("QBDKIT_WEB_MAX_FILE_MB", "0.001")  # 1048 bytes
    with pytest.raises(QbdInputError, match="file too large"):
        save_upload(upload("a.csv", b"x" * 1100), tmp_path, field="at_scale")
    assert save_upload(upload("a.csv", b"x" * 1000), tmp_path, field="at_scale").exists()
