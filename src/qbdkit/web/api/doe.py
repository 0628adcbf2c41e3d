"""DoE JSON API: the prediction profiler and contours of a stored analysis (with their Plotly
figures), the design-space probability map, and starting a design-space job.

The same services as the pages (:mod:`qbdkit.services.doe_profiler`,
:mod:`qbdkit.services.doe_figures`, :mod:`qbdkit.services.doe_workflow`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qbdkit.services.base import Context
from qbdkit.services.doe_profiler import Profile, ProfilerRequest
from qbdkit.web.deps import ctx

router = APIRouter(tags=["doe"])


class ProfileAnswer(BaseModel):
    profile: Profile
    figure: dict[str, Any] = Field(description="Plotly figure (data, layout)")


class ContourAnswer(BaseModel):
    contour: dict[str, Any]
    figure: dict[str, Any]


class DesignSpaceJob(BaseModel):
    specs: list[str] = Field(default_factory=list,
                             description='e.g. "Aggregate (%)<=3"; default: the acceptance '
                                         "criteria of the run sheet's responses")
    name: str | None = Field(None, description="record name (default: the analysis's)")
    draws: int = Field(2000, ge=100, le=20000)
    grid: int = Field(21, ge=2, le=41)
    min_probability: float = Field(0.9, gt=0, lt=1)
    seed: int = 0
    control_sd: dict[str, float] = Field(default_factory=dict,
                                         description="control capability σ per factor (NOR)")
    nor_k: float = Field(3.0, gt=0)
    reason: str = ""


class JobStarted(BaseModel):
    job: str
    status_url: str


@router.post("/projects/{project}/doe/analyses/{name}/profile", response_model=ProfileAnswer)
def profile(project: str, name: str, req: ProfilerRequest, context: Context = Depends(ctx)
            ) -> ProfileAnswer:
    """Profiler traces at the given settings (the other factors at their current values)."""
    from qbdkit.services.doe_figures import profiler_figure
    from qbdkit.services.doe_profiler import profile_record

    prof = profile_record(project, name, req, ctx=context)
    return ProfileAnswer(profile=prof, figure=profiler_figure(prof, context.lang))


@router.get("/projects/{project}/doe/analyses/{name}/contour", response_model=ContourAnswer)
def contour(project: str, name: str, response: str, x: str, y: str, points: int = 41,
            context: Context = Depends(ctx)) -> ContourAnswer:
    """Predicted ``response`` over factors ``x`` and ``y`` (others at their centre)."""
    from qbdkit.services.doe_figures import contour_figure
    from qbdkit.services.doe_profiler import contour_record

    c = contour_record(project, name, response, x, y, points=points, ctx=context)
    return ContourAnswer(contour=c, figure=contour_figure(c, context.lang))


@router.get("/projects/{project}/doe/spaces/{name}/figure")
def space_figure(project: str, name: str, x: str | None = None, y: str | None = None,
                 context: Context = Depends(ctx)) -> dict[str, Any]:
    """The probability map of stored design space ``name`` with its PAR, box and NOR."""
    from qbdkit.errors import QbdInputError
    from qbdkit.services.doe_figures import design_space_figure
    from qbdkit.services.records import get_record

    record = get_record(project, "doe.design_space", name, user=context.user, url=context.url)
    result = record["content"].get("result") or {}
    factors = list(result.get("factors") or [])
    if len(factors) < 2:
        raise QbdInputError("a probability map needs two factors", column="factors",
                            expected="a design space over two or more factors",
                            found=", ".join(factors))
    pick = (x or factors[0], y or factors[1])
    for f in pick:
        if f not in factors:
            raise QbdInputError("unknown factor", column="x/y",
                                expected="one of " + ", ".join(factors), found=f)
    return design_space_figure(result, context.lang, pick)


@router.post("/projects/{project}/doe/analyses/{name}/design-space", response_model=JobStarted,
             status_code=202)
def design_space(project: str, name: str, req: DesignSpaceJob, context: Context = Depends(ctx)
                 ) -> JobStarted:
    """Start the design-space Monte Carlo of analysis ``name`` as a background job; poll
    ``status_url``."""
    from qbdkit.services.doe_workflow import submit_design_space

    job = submit_design_space(project, name, context, specs=req.specs, name=req.name,
                              draws=req.draws, grid=req.grid,
                              min_probability=req.min_probability, seed=req.seed,
                              control_sd=req.control_sd, nor_k=req.nor_k, reason=req.reason)
    return JobStarted(job=job, status_url=f"/api/jobs/{job}")
