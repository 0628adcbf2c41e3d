"""Project names follow one rule on every backend; import refuses symbolic links (issue 11)."""

from __future__ import annotations

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services.projects import _check_name, area_files, create_project, list_projects

VALID = ["p", "mAb-1", "mAb-1 工艺表征", "demo-mab", "AAV_2.0", "ＡＢＣ", "Ωmega", "x" * 100,
         "e\u0301t\u00e9", "7", "单抗"]
INVALID = ["", " ", ".hidden", "-p", "_x", "a/b", "a\\b", "a\x00b", "a\nb", "a\tb", "x" * 101,
           "emoji 😀", "a'b", 'a"b', "a;b", "Ⅻ", "a:b", "a%b", "a\u200bb", None, 7]


@pytest.mark.parametrize("name", VALID)
def test_valid_names(name):
    import unicodedata

    assert _check_name(f"  {name} ") == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize("name", INVALID)
def test_invalid_names(name):
    with pytest.raises(QbdInputError) as exc:
        _check_name(name)
    assert "\n" not in str(exc.value) and "name" in str(exc.value)


def test_the_rule_is_the_same_on_every_backend(db_url, make_team):
    make_team(db_url)  # PostgreSQL is multi-user: a scientist creates projects
    for name in ("mAb-1 工艺表征", "x" * 100, "e\u0301"):
        create_project(name, user="sci", reason="r")
    for name in ("x" * 101, "a/b", ".x"):
        with pytest.raises(QbdInputError):
            create_project(name, user="sci", reason="r")
    with pytest.raises(QbdInputError, match="already exists"):
        create_project("\u00e9", user="sci", reason="r")  # NFC of "e\u0301"
    assert len(list_projects().to_dict()["projects"]) == 3


def test_area_files_refuse_links_and_pipes(tmp_path):
    import os

    (tmp_path / "risk").mkdir()
    (tmp_path / "risk" / "fmea.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").symlink_to("/etc/passwd")  # hidden: never read
    assert area_files(tmp_path) == {"risk/fmea.csv": b"a\n"}
    (tmp_path / "risk" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(QbdInputError, match="symbolic link refused"):
        area_files(tmp_path)
    (tmp_path / "risk" / "passwd").unlink()
    (tmp_path / "linked").symlink_to(tmp_path / "risk", target_is_directory=True)
    with pytest.raises(QbdInputError, match="symbolic link refused"):
        area_files(tmp_path)
    (tmp_path / "linked").unlink()
    os.mkfifo(tmp_path / "risk" / "pipe")
    with pytest.raises(QbdInputError, match="not a regular file"):
        area_files(tmp_path)
