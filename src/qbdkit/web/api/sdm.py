"""JSON API of scale-down comparison: the stored sdm records and a new comparison from two
uploaded tables (multipart; type and size checked), stored as ``sdm.compare/<name>``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from qbdkit.services.base import Context
from qbdkit.web.deps import WebUser, ctx, current_user, store_url

router = APIRouter(tags=["sdm"])


@router.get("/projects/{project}/sdm")
def sdm_records(request: Request, project: str, user: WebUser = Depends(current_user)
                ) -> list[dict[str, Any]]:
    """The newest version of each scale-down-stage record."""
    from qbdkit.services.record_views import filter_records

    return filter_records(project, stage="sdm", user=user.name, url=store_url(request))


@router.post("/projects/{project}/sdm")
def sdm_compare(project: str, at_scale: UploadFile = File(...),
                small_scale: UploadFile = File(...), name: str = Form(...),
                reason: str = Form(""), margin: str = Form(""), alpha: float = Form(0.05),
                k: float = Form(3.0), exclude: str = Form(""), context: Context = Depends(ctx)
                ) -> dict[str, Any]:
    """Compare and store; returns where it was stored and the result."""
    from qbdkit.services.records import run_and_store
    from qbdkit.services.sdm import CompareRequest
    from qbdkit.web.pages.sdm import split_list
    from qbdkit.web.uploads import save_upload

    with tempfile.TemporaryDirectory(prefix="qbdkit-upload-") as tmp:
        a = save_upload(at_scale, Path(tmp), field="at_scale")
        s = save_upload(small_scale, Path(tmp), field="small_scale")
        req = CompareRequest(at_scale=a, small_scale=s, margin=split_list(margin), alpha=alpha,
                             k=k, exclude=split_list(exclude))
        result, stored = run_and_store("sdm.compare", req, context, project=project,
                                       name=name.strip(), reason=reason)
    return {"stored": stored.to_dict() if stored else None, "result": result.to_dict()}
