"""Long work off the request: background jobs with progress (issue 15, "long work").

A design-space Monte Carlo, a cross-validation or a PDF report takes seconds to minutes; the
web page must stay responsive and show a progress bar. :func:`submit` runs a registered use
case (``services.kinds``) in the background and stores its result as a record with
:func:`qbdkit.services.records.run_and_store`; :func:`submit_task` runs any other callable
(a report to download). :func:`status` tells ``queued`` / ``running`` / ``done`` /
``failed``, the fraction done and the last message reported through
:meth:`qbdkit.services.base.Context.report`, and the stored record (or the error, as the
same ``problems`` an API 422 carries).

**What this is, honestly.** An in-process executor — the standard library's
:class:`concurrent.futures.ThreadPoolExecutor` (``$QBDKIT_JOB_WORKERS`` threads, default 1)
— with the job table in this process's memory. That is what DESIGN.md prescribes for the
embedded store and for a single ``qbdkit serve`` process: jobs run in-process. Nothing here is
a queue: a job is lost when the process stops (its record is stored only when it finishes),
and with ``qbdkit serve --workers N`` a status request may reach another worker, which
answers 404. A multi-worker or multi-machine deployment would instead hand the same calls
(``run_and_store(kind, request, ctx, …)``) to an existing PostgreSQL-backed task queue such as
`procrastinate <https://procrastinate.readthedocs.io>`_ (or pgqueuer), whose job table lives in
the store and whose workers run on any machine; that is deliberately left out — no home-made
queue (DESIGN.md, "Growing past one machine").

Threads, not processes: the heavy parts (numpy/scipy) release the GIL, the progress callback
and the request objects need no pickling, and a job's input files (a temporary upload
directory) stay readable; ``cleanup`` runs after the job whatever its outcome.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from qbdkit.errors import NotFound, QbdInputError
from qbdkit.services.base import Context

log = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed"]

#: finished jobs kept for status queries (the oldest finished are forgotten first)
KEEP_FINISHED = 500


class JobStatus(BaseModel):
    """What a poll of ``/api/jobs/{id}`` answers."""

    id: str
    kind: str = Field(description="record kind run, or the task's title")
    state: State
    fraction: float = Field(0.0, ge=0.0, le=1.0)
    message: str = ""
    user: str | None = None
    project: str | None = None
    name: str | None = Field(None, description="record name the result is stored as")
    record: dict[str, Any] | None = Field(
        None, description="the stored record: {project, kind, key, version, sha256}")
    error: str | None = Field(None, description="one line per problem when failed")
    problems: list[dict[str, Any]] = Field(default_factory=list)
    file: str | None = Field(None, description="file name of a produced artefact (a report)")
    created: str
    started: str | None = None
    finished: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _Job:
    def __init__(self, status: JobStatus) -> None:
        self.status = status
        self.artefact: Path | None = None


_lock = threading.Lock()
_jobs: OrderedDict[str, _Job] = OrderedDict()
_executor: Executor | None = None


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("QBDKIT_JOB_WORKERS", "1")))
    except ValueError:
        return 1


def _pool() -> Executor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="qbdkit-job")
        return _executor


def shutdown(wait: bool = True) -> None:
    """Stop the executor (the web application calls this on shutdown; tests too)."""
    global _executor
    with _lock:
        pool, _executor = _executor, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=not wait)


def _update(job_id: str, **fields: Any) -> None:
    with _lock:
        job = _jobs.get(job_id)
        if job is not None:
            job.status = job.status.model_copy(update=fields)


def _forget_old() -> None:
    finished = [k for k, j in _jobs.items() if j.status.state in ("done", "failed")]
    for k in finished[:max(0, len(finished) - KEEP_FINISHED)]:
        job = _jobs.pop(k)
        if job.artefact is not None:
            job.artefact.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # the job's private folder, when empty
                job.artefact.parent.rmdir()


def _start(kind: str, ctx: Context, work: Callable[[Context], tuple[dict | None, Path | None]],
           *, project: str | None, name: str | None,
           cleanup: Callable[[], None] | None) -> str:
    job_id = uuid.uuid4().hex
    status = JobStatus(id=job_id, kind=kind, state="queued", user=ctx.user, project=project,
                       name=name, created=_now(), message="queued")
    with _lock:
        _forget_old()
        _jobs[job_id] = _Job(status)

    def progress(fraction: float, message: str) -> None:
        _update(job_id, fraction=max(0.0, min(1.0, float(fraction))), message=message)

    def run() -> None:
        _update(job_id, state="running", started=_now(), message="running")
        job_ctx = replace(ctx, progress=progress)
        try:
            record, artefact = work(job_ctx)
        except QbdInputError as exc:
            _update(job_id, state="failed", finished=_now(), error=str(exc),
                    message=exc.first.message, problems=exc.to_dict()["problems"])
        except Exception:  # a bug: logged with its traceback, the user sees a plain line
            log.exception("job %s (%s) failed", job_id, kind)
            _update(job_id, state="failed", finished=_now(), message="internal error",
                    error="internal error (see the server log)")
        else:
            with _lock:
                job = _jobs.get(job_id)
                if job is not None:
                    job.artefact = artefact
            _update(job_id, state="done", finished=_now(), fraction=1.0, message="done",
                    record=record, file=None if artefact is None else artefact.name)
        finally:
            if cleanup is not None:
                try:
                    cleanup()
                except Exception:  # cleanup must never turn a result into a failure
                    log.exception("job %s: cleanup failed", job_id)

    _pool().submit(run)
    return job_id


def submit(kind_name: str, request: Any, ctx: Context, project: str, name: str,
           reason: str = "", *, cleanup: Callable[[], None] | None = None) -> str:
    """Run the use case ``kind_name`` on ``request`` in the background and store its result as
    record ``kind_name/name`` of ``project``; returns the job id.

    The acting user's right to author and the project are checked before queueing (a
    :class:`QbdInputError` / ``PermissionDenied`` / ``NotFound`` raised here, nothing queued);
    ``cleanup()`` (removing an upload directory) runs when the job has finished.
    """
    from qbdkit.services.kinds import get_kind
    from qbdkit.services.records import find_project, run_and_store
    from qbdkit.services.users import require
    from qbdkit.store import transaction

    get_kind(kind_name)
    if not (name or "").strip():
        raise QbdInputError("a record name is required", column="name",
                            expected="the name to store the result as")
    with transaction(ctx.url, write=False) as session:
        require(session, ctx.user, "author")
        find_project(session, project)

    def work(job_ctx: Context) -> tuple[dict | None, Path | None]:
        _result, stored = run_and_store(kind_name, request, job_ctx, project=project, name=name,
                                        reason=reason)
        return (None if stored is None else stored.to_dict()), None

    return _start(kind_name, ctx, work, project=project, name=name, cleanup=cleanup)


def submit_task(title: str, fn: Callable[[Context], Path | None], ctx: Context, *,
                project: str | None = None, cleanup: Callable[[], None] | None = None) -> str:
    """Run ``fn(ctx)`` in the background (e.g. writing a PDF report); the file it returns is
    the job's artefact (:func:`artefact`). ``fn`` checks rights itself, as services do."""

    def work(job_ctx: Context) -> tuple[dict | None, Path | None]:
        out = fn(job_ctx)
        return None, None if out is None else Path(out)

    return _start(title, ctx, work, project=project, name=None, cleanup=cleanup)


def _get(job_id: str, user: str | None) -> _Job:
    with _lock:
        job = _jobs.get(job_id)
    if job is None or (user is not None and job.status.user not in (None, user)):
        # another user's job is as unknown as a job that never existed
        raise NotFound("unknown job", column="job", expected="the id of one of your jobs",
                       found=job_id)
    return job


def status(job_id: str, user: str | None = None) -> JobStatus:
    """The state of job ``job_id``; with ``user``, only that user's own jobs are found."""
    return _get(job_id, user).status


def artefact(job_id: str, user: str | None = None) -> Path:
    """The file a finished :func:`submit_task` job produced."""
    job = _get(job_id, user)
    if job.status.state != "done" or job.artefact is None or not job.artefact.exists():
        raise NotFound("no file for this job", column="job",
                       expected="a finished job that produced a file",
                       found=f"{job_id} ({job.status.state})")
    return job.artefact


def wait(job_id: str, timeout: float = 60.0, user: str | None = None) -> JobStatus:
    """Block until the job has finished or ``timeout`` seconds passed (CLI and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        st = status(job_id, user)
        if st.state in ("done", "failed") or time.monotonic() >= deadline:
            return st
        time.sleep(0.05)


def jobs_of(user: str | None) -> list[JobStatus]:
    """The jobs of ``user`` (newest first)."""
    with _lock:
        return [j.status for j in reversed(_jobs.values()) if user is None or j.status.user == user]
