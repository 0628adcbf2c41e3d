"""Project pages: the list, creation from a modality template, the overview, the report.

Everything comes from the services (:mod:`qbdkit.services.projects`,
:func:`qbdkit.model.overview.project_overview`, :func:`qbdkit.services.report.project_report`);
the only code here lays values out (the range bars of the parameter table).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.web.deps import WebUser, ctx, current_user, store_url
from qbdkit.web.templating import redirect, render

router = APIRouter()

REPORT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def modalities() -> list[dict[str, str]]:
    """The modality templates a project can start from (name and bilingual product label)."""
    from qbdkit.templates import available, load_template

    out = []
    for m in available():
        tpl = load_template(m)
        out.append({"modality": m, "en": tpl.product.label.en or tpl.product.name,
                    "zh": tpl.product.label.zh or tpl.product.label.en or tpl.product.name})
    return out


def create_from_template(name: str, modality: str, lang: str, reason: str,
                         context: Context) -> str:
    """Create project ``name`` in the store from the ``modality`` template (its version 1)."""
    from qbdkit.services.projects import _check_name, create_project
    from qbdkit.templates import new_project

    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="lang", expected="en or zh", found=lang)
    name = _check_name(name)
    document = new_project(modality.strip().lower(), name=name, lang=lang).model_dump(mode="json")
    create_project(name, user=context.user or "", reason=reason.strip()
                   or f"created from the {modality} template", document=document,
                   url=context.url)
    return name


def overview_of(project: str, lang: str, url: str | None) -> dict[str, Any]:
    """The overview tables of the newest version of ``project`` plus the range bars."""
    from qbdkit.model.overview import project_overview
    from qbdkit.model.schema import Project
    from qbdkit.services.projects import project_document

    stored = project_document(project, url=url)
    model = Project.model_validate(stored["document"])
    overview = project_overview(model, lang)
    bars = [range_bar(p) for _uo, p in model.process.parameters()]
    return {"overview": overview, "stored": stored, "model": model, "bars": bars}


def range_bar(p: Any) -> dict[str, Any] | None:
    """Positions (0–100 %) of studied range ⊃ PAR ⊃ NOR ⊃ set point for one numeric
    parameter, on the span of all its given limits; None when nothing numeric is given."""
    ranges = {k: getattr(p, k) for k in ("studied", "par", "nor")}
    values = [v for r in ranges.values() if r is not None for v in (r.low, r.high)
              if v is not None]
    sp = p.set_point if isinstance(p.set_point, int | float) else None
    if sp is not None:
        values.append(float(sp))
    if len(values) < 2 or max(values) == min(values):
        return None
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.04
    lo, hi = lo - pad, hi + pad

    def pos(v: float) -> float:
        return round(100 * (v - lo) / (hi - lo), 2)

    out: dict[str, Any] = {}
    for k, r in ranges.items():
        if r is not None and r.low is not None and r.high is not None:
            out[k] = {"left": pos(r.low), "width": round(pos(r.high) - pos(r.low), 2)}
    if sp is not None:
        out["set_point"] = pos(float(sp))
    return out


@router.get("/projects")
def project_list(request: Request, user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.projects import list_projects

    projects = list_projects(url=store_url(request)).projects
    return render(request, "projects/list.html", projects=projects)


@router.get("/projects/new")
def project_new(request: Request, user: WebUser = Depends(current_user)) -> Response:
    return render(request, "projects/new.html", modalities=modalities(), error=None,
                  values={"name": "", "modality": "mab", "lang": user.lang, "reason": ""})


@router.post("/projects/new")
def project_create(request: Request, name: str = Form(""), modality: str = Form("mab"),
                   lang: str = Form("en"), reason: str = Form(""),
                   context: Context = Depends(ctx)) -> Response:
    try:
        created = create_from_template(name, modality, lang, reason, context)
    except QbdInputError as exc:
        from qbdkit.web.app import status_of

        return render(request, "projects/new.html", status_code=status_of(exc),
                      modalities=modalities(), error=exc.first.text(context.lang),
                      values={"name": name, "modality": modality, "lang": lang,
                              "reason": reason})
    return redirect(request, f"/projects/{quote(created, safe='')}", flash="Project created.")


@router.post("/projects/import")
def project_import(request: Request, file: UploadFile = File(...), reason: str = Form(""),
                   context: Context = Depends(ctx)) -> Response:
    from qbdkit.web.api.projects import import_upload

    try:
        result = import_upload(file, reason, context)
    except QbdInputError as exc:
        from qbdkit.web.app import status_of

        return render(request, "projects/new.html", status_code=status_of(exc),
                      modalities=modalities(), error=exc.first.text(context.lang),
                      values={"name": "", "modality": "mab", "lang": context.lang,
                              "reason": reason})
    return redirect(request, f"/projects/{quote(result.project, safe='')}",
                    flash="Project imported.")


@router.get("/projects/{project}")
def project_page(project: str, request: Request, user: WebUser = Depends(current_user)
                 ) -> Response:
    data = overview_of(project, user.lang, store_url(request))
    return render(request, "projects/overview.html", project=project, **data)


@router.get("/projects/{project}/report")
def report_page(project: str, request: Request, user: WebUser = Depends(current_user)
                ) -> Response:
    from qbdkit.services.projects import project_document

    stored = project_document(project, url=store_url(request))
    return render(request, "projects/report.html", project=project, stored=stored)


@router.get("/projects/{project}/report/download")
def report_download(project: str, format: str = "html", lang: str = "en",
                    context: Context = Depends(ctx)) -> Response:
    return report_response(project, format, lang, context)


def report_response(project: str, fmt: str, lang: str, context: Context) -> Response:
    """The project report as a download (``qbdkit report P`` through the same service)."""
    from qbdkit.services.report import ReportRequest, project_report

    if fmt not in REPORT_TYPES:
        raise QbdInputError("unknown report format", column="format",
                            expected="html | pdf | docx", found=fmt)
    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="lang", expected="en | zh", found=lang)
    doc = project_report(ReportRequest(project=project, lang=lang, format=fmt), context)
    filename = f"report-{project}-v{doc.project_version}-{lang}.{fmt}"
    return Response(doc.content, media_type=REPORT_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-SHA256": doc.sha256})
