"""Background jobs: ``GET /api/jobs/{id}`` (state, fraction, message, stored record) — what a
page polls for its progress bar — and ``GET /api/jobs/{id}/file`` (a finished report).

Only the user who started a job sees it (another user's job answers 404).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from qbdkit.services import jobs
from qbdkit.services.jobs import JobStatus
from qbdkit.web.deps import WebUser, current_user

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=list[JobStatus])
def my_jobs(user: WebUser = Depends(current_user)) -> list[JobStatus]:
    """The signed-in user's jobs, newest first."""
    return jobs.jobs_of(user.name)


@router.get("/jobs/{job_id}", response_model=JobStatus)
def job_status(job_id: str, user: WebUser = Depends(current_user)) -> JobStatus:
    """State of one of the signed-in user's jobs."""
    return jobs.status(job_id, user=user.name)


@router.get("/jobs/{job_id}/file")
def job_file(job_id: str, user: WebUser = Depends(current_user)) -> FileResponse:
    """The file a finished job produced (a report)."""
    path = jobs.artefact(job_id, user=user.name)
    return FileResponse(path, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(path.name, safe='')}"})
