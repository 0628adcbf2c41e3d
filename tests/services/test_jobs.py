"""Background jobs: state, progress, stored result, errors as problems, per-user visibility."""

from __future__ import annotations

import threading

import pytest

from qbdkit.errors import NotFound, PermissionDenied
from qbdkit.services import jobs
from qbdkit.services.base import Context
from qbdkit.services.doe import DesignSpaceRequest, _design_space_example
from qbdkit.services.projects import create_project
from qbdkit.services.records import latest_record


@pytest.fixture
def project(db_url, make_team):
    make_team(db_url)
    create_project("mAb-1", user="sci", reason="new programme")
    return "mAb-1"


def test_design_space_job_reports_progress_and_stores_the_record(project, db_url, tmp_path):
    req = _design_space_example(tmp_path)
    seen: list[float] = []
    ctx = Context(user="sci", url=db_url)
    job = jobs.submit("doe.design_space", req, ctx, project, "space", reason="first")
    st = jobs.wait(job, timeout=120)
    assert st.state == "done", st
    assert st.fraction == 1.0 and st.user == "sci" and st.project == project
    assert st.record["kind"] == "doe.design_space" and st.record["key"] == "space"
    assert st.record["version"] == 1
    stored = latest_record(project, "doe.design_space", "space", url=db_url)
    assert stored["sha256"] == st.record["sha256"]
    assert stored["content"]["result"]["draws"] == 400
    seen.append(st.fraction)


def test_progress_is_visible_while_running(project, db_url):
    gate, reached = threading.Event(), threading.Event()

    def slow(ctx: Context):
        ctx.report(0.25, "a quarter")
        reached.set()
        assert gate.wait(30)
        return None

    job = jobs.submit_task("slow", slow, Context(user="sci", url=db_url), project=project)
    assert reached.wait(30)
    st = jobs.status(job, user="sci")
    assert (st.state, st.fraction, st.message) == ("running", 0.25, "a quarter")
    gate.set()
    assert jobs.wait(job, 30).state == "done"


def test_bad_input_fails_the_job_with_problems_and_stores_nothing(project, db_url, tmp_path):
    req = _design_space_example(tmp_path)
    bad = DesignSpaceRequest(**{**req.model_dump(), "specs": ["Nope>=1"]})
    job = jobs.submit("doe.design_space", bad, Context(user="sci", url=db_url), project, "bad",
                      reason="r")
    st = jobs.wait(job, 60)
    assert st.state == "failed"
    assert st.problems and st.problems[0]["column"] == "--spec"
    assert "Nope" in st.error
    assert latest_record(project, "doe.design_space", "bad", url=db_url) is None


def test_a_bug_is_a_plain_failure_and_cleanup_runs(project, db_url):
    cleaned = threading.Event()

    def broken(ctx):
        raise RuntimeError("boom")

    job = jobs.submit_task("broken", broken, Context(user="sci", url=db_url),
                           cleanup=cleaned.set)
    st = jobs.wait(job, 30)
    assert st.state == "failed" and "boom" not in (st.error or "")
    assert st.error.startswith("internal error")
    assert cleaned.wait(5)


def test_rights_are_checked_before_queueing(project, db_url, tmp_path):
    req = _design_space_example(tmp_path)
    with pytest.raises(PermissionDenied):
        jobs.submit("doe.design_space", req, Context(user="view", url=db_url), project, "x")
    with pytest.raises(NotFound):
        jobs.submit("doe.design_space", req, Context(user="sci", url=db_url), "nope", "x")


def test_jobs_of_another_user_are_not_found(project, db_url, tmp_path):
    job = jobs.submit_task("report", lambda ctx: None, Context(user="sci", url=db_url))
    jobs.wait(job, 30)
    with pytest.raises(NotFound):
        jobs.status(job, user="rev")
    with pytest.raises(NotFound):
        jobs.status("0" * 32)
    assert jobs.status(job, user="sci").state == "done"


def test_task_artefact_is_downloadable(project, db_url, tmp_path):
    out = tmp_path / "report.html"

    def write(ctx):
        out.write_text("<p>ok</p>", encoding="utf-8")
        return out

    job = jobs.submit_task("report", write, Context(user="sci", url=db_url))
    st = jobs.wait(job, 30)
    assert st.file == "report.html"
    assert jobs.artefact(job, user="sci").read_text(encoding="utf-8") == "<p>ok</p>"
