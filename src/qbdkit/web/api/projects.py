"""Projects over JSON: list, templates, creation from a template, overview, report
(:mod:`qbdkit.services.projects`, :func:`qbdkit.model.overview.project_overview`,
:func:`qbdkit.services.report.project_report`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qbdkit.services.base import Context
from qbdkit.web.deps import ctx
from qbdkit.web.pages.projects import (
    REPORT_TYPES,
    create_from_template,
    modalities,
    overview_of,
    report_response,
)

router = APIRouter(tags=["projects"])


class ProjectOut(BaseModel):
    name: str
    versions: int
    records: int
    created_at: str
    created_by: str | None = None


class TemplateOut(BaseModel):
    modality: str
    en: str
    zh: str


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    modality: Literal["mab", "adc", "car-t", "aav", "adenovirus", "lentivirus", "mrna-lnp"]
    lang: Literal["en", "zh"] = "en"
    reason: str = Field("", max_length=1000)


class OverviewOut(BaseModel):
    name: str
    title: str
    version: int
    sha256: str
    product: dict[str, Any]
    qtpp: list[list[Any]]
    attributes: list[list[Any]] = Field(
        description="attribute, category, method, acceptance, CQA (yes/no/''), score")
    parameters: list[list[Any]] = Field(
        description="unit operation, parameter, unit, set point, NOR, PAR, studied, class")
    counts: dict[str, int]
    batches: dict[str, int]


def projects_of(context: Context) -> list[ProjectOut]:
    from qbdkit.services.projects import list_projects

    return [ProjectOut(**p) for p in list_projects(url=context.url).projects]


@router.get("/projects", response_model=list[ProjectOut])
def api_projects(context: Context = Depends(ctx)) -> list[ProjectOut]:
    return projects_of(context)


@router.get("/templates", response_model=list[TemplateOut])
def api_templates(context: Context = Depends(ctx)) -> list[TemplateOut]:
    return [TemplateOut(**m) for m in modalities()]


@router.post("/projects", response_model=ProjectOut, status_code=201)
def api_create_project(body: ProjectIn, context: Context = Depends(ctx)) -> ProjectOut:
    name = create_from_template(body.name, body.modality, body.lang, body.reason, context)
    return next(p for p in projects_of(context) if p.name == name)


@router.get("/projects/{project}", response_model=OverviewOut)
def api_project(project: str, context: Context = Depends(ctx)) -> OverviewOut:
    data = overview_of(project, context.lang, context.url)
    o, stored = data["overview"], data["stored"]
    return OverviewOut(name=o.name, title=o.title, version=stored["version"],
                       sha256=stored["sha256"], product=o.product, qtpp=o.qtpp,
                       attributes=o.attributes, parameters=o.parameters, counts=o.counts,
                       batches=o.batches)


@router.get("/projects/{project}/report", response_class=Response,
            responses={200: {"content": {t.split(";")[0]: {} for t in REPORT_TYPES.values()}}})
def api_report(project: str, format: Literal["html", "pdf", "docx"] = "html",
               lang: Literal["en", "zh"] = "en", context: Context = Depends(ctx)) -> Response:
    return report_response(project, format, lang, context)


class ImportOut(BaseModel):
    project: str
    version: int
    sha256: str
    unchanged: bool
    files: list[str]


def import_upload(upload: UploadFile, reason: str, context: Context) -> ImportOut:
    """Import a project folder uploaded as a .zip into the store
    (:func:`qbdkit.services.projects.import_project`; the scientist's right is checked
    there)."""
    import tempfile
    from pathlib import Path

    from qbdkit.services.projects import import_project
    from qbdkit.web.uploads import extract_zip, read_upload

    _suffix, data = read_upload(upload, (".zip",))
    with tempfile.TemporaryDirectory(prefix="qbdkit-upload-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        folder = extract_zip(data, root, name=upload.filename or "upload.zip")
        result = import_project(folder, user=context.user or "",
                                reason=reason.strip() or f"uploaded {upload.filename}",
                                url=context.url)
    return ImportOut(project=result.project, version=result.version, sha256=result.sha256,
                     unchanged=result.unchanged, files=result.files)


@router.post("/projects/import", response_model=ImportOut, status_code=201)
def api_import_project(file: UploadFile = File(..., description="a project folder as .zip"),
                       reason: str = Form("", max_length=1000),
                       context: Context = Depends(ctx)) -> ImportOut:
    return import_upload(file, reason, context)
