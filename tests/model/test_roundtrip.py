"""Lossless round trips: folder (load → save → load) and JSON (model_dump ↔ model_validate)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from qbdkit.model import Project, check_folder, check_project, load_project, save_project

from .strategies import projects

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(projects())
def test_generated_projects_are_consistent(project):
    # the strategy itself must produce valid projects, else the round trip proves little
    assert check_project(project) == []


@SETTINGS
@given(projects())
def test_folder_round_trip_is_lossless(project):
    with tempfile.TemporaryDirectory() as d:
        save_project(project, d)
        result = check_folder(d)
        assert result.problems == []
        loaded = load_project(d)
        assert loaded == project
        save_project(loaded, Path(d) / "again")
        assert load_project(Path(d) / "again") == project


@SETTINGS
@given(projects())
def test_json_round_trip_is_lossless(project):
    doc = project.model_dump(mode="json")
    assert Project.model_validate(doc) == project
    assert Project.model_validate_json(project.model_dump_json()) == project
