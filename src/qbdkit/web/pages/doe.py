"""DoE pages: the design wizard, run-sheet download and results upload, the analysis with its
ANOVA and diagnostics, the prediction profiler, contours, and the design space as a job with
acceptance of PAR/NOR into the project.

Every value comes from the services (:mod:`qbdkit.services.doe_workflow`,
:mod:`qbdkit.services.doe_profiler`, :mod:`qbdkit.services.jobs`,
:func:`qbdkit.report.sections.render_result`, :func:`qbdkit.services.projects.accept_record`);
the plots are drawn in the browser from ``/api/projects/{p}/doe/…`` (``static/doe.js``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.web.deps import ctx
from qbdkit.web.templating import redirect, render

router = APIRouter()

DESIGN_TYPES = [("ccd", "Central composite (CCD)"), ("bbd", "Box–Behnken"),
                ("full", "Full factorial"), ("fractional", "Fractional factorial"),
                ("dsd", "Definitive screening"), ("pb", "Plackett–Burman"),
                ("d-optimal", "D-optimal"), ("i-optimal", "I-optimal")]
MODELS = ["linear", "interaction", "quadratic"]


def _q(v: str) -> str:
    return quote(v, safe="")


def _base(project: str) -> str:
    return f"/projects/{_q(project)}/doe"


def _error_status(exc: QbdInputError) -> int:
    from qbdkit.web.app import status_of

    return status_of(exc)


@router.get("/projects/{project}/doe")
def doe_home(project: str, request: Request, context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.doe_workflow import doe_records

    return render(request, "doe/index.html", project=project,
                  records=doe_records(project, context), base=_base(project))


def _wizard(request: Request, project: str, context: Context, *, error: str | None = None,
            values: dict | None = None, status_code: int = 200) -> Response:
    from qbdkit.services.doe_workflow import candidate_factors

    cand = candidate_factors(project, context)
    chosen = values or {}
    return render(request, "doe/new.html", status_code=status_code, project=project,
                  cand=cand, types=DESIGN_TYPES, error=error, values=chosen,
                  base=_base(project))


@router.get("/projects/{project}/doe/new")
def doe_new(project: str, request: Request, context: Context = Depends(ctx)) -> Response:
    return _wizard(request, project, context)


def _int_or_none(value: str, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise QbdInputError("not a whole number", column=field, expected="a whole number",
                            found=value) from None


@router.post("/projects/{project}/doe/new")
async def doe_create(project: str, request: Request, context: Context = Depends(ctx)
                     ) -> Response:
    from qbdkit.services.doe_workflow import design_request
    from qbdkit.services.records import run_and_store

    form = await request.form()
    factors = [str(v) for v in form.getlist("factor")]
    values = {k: str(form.get(k) or "") for k in ("name", "type", "runs", "center", "seed",
                                                   "unit_operation", "reason")}
    values["factors"] = factors
    try:
        name = values["name"].strip()
        if not name:
            raise QbdInputError("a name is required", column="name",
                                expected="the design's record name, e.g. bioreactor-rsm")
        req, _notes = design_request(
            project, factors, values["unit_operation"] or None, values["type"] or "ccd",
            context, runs=_int_or_none(values["runs"], "runs"),
            center=_int_or_none(values["center"], "center"),
            seed=_int_or_none(values["seed"], "seed") or 1)
        run_and_store("doe.design", req, context, project=project, name=name,
                      reason=values["reason"].strip() or "design from the browser")
    except QbdInputError as exc:
        return _wizard(request, project, context, error=exc.first.text(context.lang),
                       values=values, status_code=_error_status(exc))
    return redirect(request, f"{_base(project)}/designs/{_q(name)}", flash="Design stored.")


#: rendered record bodies (kind, record SHA-256, language) → HTML. A record version never
#: changes, and the report renderers draw their figures with matplotlib (seconds for an
#: analysis), so each is rendered once per process.
_RENDERED: OrderedDict[tuple[str, str, str], str] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
RENDER_CACHE = 32


def _record_html(kind: str, record: dict, lang: str) -> str:
    from qbdkit.report.sections import render_result

    key = (kind, record["sha256"], lang)
    with _RENDERED_LOCK:
        if key in _RENDERED:
            _RENDERED.move_to_end(key)
            return _RENDERED[key]
    html = render_result(kind, record["content"].get("result") or {}, lang)
    with _RENDERED_LOCK:
        _RENDERED[key] = html
        while len(_RENDERED) > RENDER_CACHE:
            _RENDERED.popitem(last=False)
    return html


@router.get("/projects/{project}/doe/designs/{name}")
def design_page(project: str, name: str, request: Request, context: Context = Depends(ctx)
                ) -> Response:
    from qbdkit.services.records import get_record

    record = get_record(project, "doe.design", name, user=context.user, url=context.url)
    return render(request, "doe/design.html", project=project, name=name, record=record,
                  body=_record_html("doe.design", record, context.lang), models=MODELS,
                  base=_base(project), error=None)


@router.get("/projects/{project}/doe/designs/{name}/runsheet.{fmt}")
def run_sheet_download(project: str, name: str, fmt: str, context: Context = Depends(ctx)
                       ) -> Response:
    from qbdkit.services.doe_workflow import run_sheet

    filename, data, media = run_sheet(project, name, fmt, context)
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_q(filename)}"})


@router.post("/projects/{project}/doe/designs/{name}/results")
async def results_upload(project: str, name: str, request: Request,
                         file: UploadFile = File(...), model: str = Form("quadratic"),
                         reason: str = Form(""), context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.doe_workflow import MAX_UPLOAD_BYTES, analyse_upload
    from qbdkit.services.records import get_record

    data = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if model not in MODELS:
            raise QbdInputError("unknown model", column="model", expected=" / ".join(MODELS),
                                found=model)
        analyse_upload(project, name, file.filename or "", data, context, model=model,
                       reason=reason.strip())
    except QbdInputError as exc:
        record = get_record(project, "doe.design", name, user=context.user, url=context.url)
        return render(request, "doe/design.html", status_code=_error_status(exc),
                      project=project, name=name, record=record,
                      body=_record_html("doe.design", record, context.lang), models=MODELS,
                      base=_base(project),
                      error=[p.text(context.lang) for p in exc.problems])
    return redirect(request, f"{_base(project)}/analyses/{_q(name)}", flash="Analysis stored.")


def _analysis(project: str, name: str, context: Context) -> tuple[dict, list[dict]]:
    from qbdkit.services.records import get_record

    record = get_record(project, "doe.analysis", name, user=context.user, url=context.url)
    result = record["content"].get("result") or {}
    return record, result.get("coding") or []


@router.get("/projects/{project}/doe/analyses/{name}")
def analysis_page(project: str, name: str, request: Request, context: Context = Depends(ctx)
                  ) -> Response:
    from qbdkit.services.doe_workflow import analysis_specs

    record, coding = _analysis(project, name, context)
    result = record["content"].get("result") or {}
    responses = [r["name"] for r in result.get("responses") or []]
    return render(request, "doe/analysis.html", project=project, name=name, record=record,
                  body=_record_html("doe.analysis", record, context.lang), base=_base(project),
                  responses=responses, factors=[c["factor"] for c in coding],
                  specs=analysis_specs(project, name, context))


@router.get("/projects/{project}/doe/analyses/{name}/profiler")
def profiler_page(project: str, name: str, request: Request, context: Context = Depends(ctx)
                  ) -> Response:
    from qbdkit.services.doe_workflow import optimize_goals

    record, coding = _analysis(project, name, context)
    steps = [{**c, "step": (float(c["high"]) - float(c["low"])) / 100} for c in coding]
    return render(request, "doe/profiler.html", project=project, name=name, record=record,
                  factors=steps, goals=optimize_goals(project, name, context),
                  base=_base(project))


@router.get("/projects/{project}/doe/analyses/{name}/contour")
def contour_page(project: str, name: str, request: Request, response: str | None = None,
                 x: str | None = None, y: str | None = None, context: Context = Depends(ctx)
                 ) -> Response:
    record, coding = _analysis(project, name, context)
    result = record["content"].get("result") or {}
    responses = [r["name"] for r in result.get("responses") or []]
    factors = [c["factor"] for c in coding]
    return render(request, "doe/contour.html", project=project, name=name, record=record,
                  responses=responses, factors=factors, base=_base(project),
                  chosen={"response": response or (responses[0] if responses else ""),
                          "x": x or (factors[0] if factors else ""),
                          "y": y or (factors[1] if len(factors) > 1 else "")})


@router.post("/projects/{project}/doe/analyses/{name}/design-space")
async def design_space_start(project: str, name: str, request: Request,
                             context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.doe_workflow import submit_design_space

    form = await request.form()
    specs = [s.strip() for s in str(form.get("specs") or "").splitlines() if s.strip()]

    def number(field: str, default: float, cast=float):
        text = str(form.get(field) or "").strip()
        if not text:
            return default
        try:
            return cast(text)
        except ValueError:
            raise QbdInputError("not a number", column=field, expected="a number",
                                found=text) from None

    control = {}
    for key in form:
        if key.startswith("control_sd:") and str(form.get(key) or "").strip():
            control[key.split(":", 1)[1]] = number(key, 0.0)
    job = submit_design_space(
        project, name, context, specs=specs, name=str(form.get("as") or "").strip() or name,
        draws=number("draws", 2000, int), grid=number("grid", 21, int),
        min_probability=number("min_probability", 0.9), seed=number("seed", 0, int),
        control_sd=control, nor_k=number("nor_k", 3.0), reason=str(form.get("reason") or "").strip())
    return redirect(request, f"/projects/{_q(project)}/jobs/{job}")


@router.get("/projects/{project}/doe/spaces/{name}")
def space_page(project: str, name: str, request: Request, context: Context = Depends(ctx)
               ) -> Response:
    from qbdkit.services.records import get_record

    record = get_record(project, "doe.design_space", name, user=context.user, url=context.url)
    result = record["content"].get("result") or {}
    return render(request, "doe/space.html", project=project, name=name, record=record,
                  body=_record_html("doe.design_space", record, context.lang),
                  proposal=result.get("proposal") or [], factors=result.get("factors") or [],
                  base=_base(project))


@router.post("/projects/{project}/doe/spaces/{name}/accept")
def space_accept(project: str, name: str, request: Request, version: int = Form(...),
                 reason: str = Form(""), context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.projects import accept_record

    result = accept_record(project, "doe.design_space", name, version, ctx=context,
                           reason=reason)
    if result.version is None:
        return redirect(request, f"{_base(project)}/spaces/{_q(name)}",
                        flash="Nothing to change: the project already holds these values.")
    return redirect(request, f"/projects/{_q(project)}", flash="PAR and NOR accepted into the project.")
