"""Background-job pages: the progress page every long computation lands on (polled through
``/api/jobs/{id}`` by ``static/doe.js``) and the project report built as a job (PDF and DOCX
take up to a minute; the page stays responsive meanwhile).

The work is the services' (:func:`qbdkit.services.report.project_report`,
:mod:`qbdkit.services.jobs`); this module only starts it and shows where the result is.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.web.deps import ctx
from qbdkit.web.templating import redirect, render

router = APIRouter()

#: the title of report jobs (a msgid of domain "web")
REPORT_TASK = "Project report"


def _q(v: str) -> str:
    return quote(v, safe="")


def result_url(project: str, status) -> str | None:
    """Where a finished job's result is shown: its stored record's page or its file."""
    if status.file or status.kind == REPORT_TASK:
        return f"/api/jobs/{status.id}/file"
    record = status.record or {}
    kind, key = record.get("kind") or status.kind, record.get("key") or status.name
    pages = {"doe.design_space": "doe/spaces", "doe.analysis": "doe/analyses",
             "doe.design": "doe/designs"}
    if kind in pages and key:
        return f"/projects/{_q(project)}/{pages[kind]}/{_q(key)}"
    return f"/projects/{_q(project)}"


@router.get("/projects/{project}/jobs/{job}")
def job_page(project: str, job: str, request: Request, context: Context = Depends(ctx)
             ) -> Response:
    from qbdkit.services import jobs

    status = jobs.status(job, user=context.user)
    return render(request, "jobs/job.html", project=project, job=status,
                  done_url=result_url(project, status), title=job_title(status.kind, context.lang))


def job_title(kind: str, lang: str) -> str:
    """The kind's registered title (``Kind.title``) in ``lang``; a task's title translated."""
    from qbdkit.i18n import t
    from qbdkit.services.kinds import _KINDS, load_all

    load_all()
    k = _KINDS.get(kind)
    if k is not None and k.title:
        return k.title.get("zh" if lang == "zh" else "en") or kind
    return t(kind, lang, "web")


def report_file(project: str, fmt: str, lang: str, context: Context) -> Path:
    """Write the project report (``qbdkit report P``) to a private temporary folder."""
    from qbdkit.services.report import ReportRequest, project_report
    from qbdkit.web.pages.projects import REPORT_TYPES

    if fmt not in REPORT_TYPES:
        raise QbdInputError("unknown report format", column="format",
                            expected="html | pdf | docx", found=fmt)
    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="lang", expected="en | zh", found=lang)
    context.report(0.05, "rendering the report")
    doc = project_report(ReportRequest(project=project, lang=lang, format=fmt), context)
    folder = Path(tempfile.mkdtemp(prefix="qbdkit-report-"))
    path = folder / f"report-{project}-v{doc.project_version}-{lang}.{fmt}"
    path.write_bytes(doc.content)
    return path


@router.post("/projects/{project}/report/job")
def report_job(project: str, request: Request, format: str = Form("pdf"),
               lang: str = Form("en"), context: Context = Depends(ctx)) -> Response:
    from qbdkit.services import jobs
    from qbdkit.services.projects import project_document

    project_document(project, url=context.url)  # unknown project: 404 now, not in the job
    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="lang", expected="en | zh", found=lang)
    job = jobs.submit_task(REPORT_TASK, lambda c: report_file(project, format, lang, c), context,
                           project=project)
    return redirect(request, f"/projects/{_q(project)}/jobs/{job}")
