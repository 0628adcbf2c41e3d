"""JSON API of the risk area: the project's risk records, the FMEA row preview (RPN and AP
under the record's scale) and the FMEA edit stored as a new version with optimistic locking
(409 when the version the client started from is no longer the newest)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from qbdkit.services.base import Context
from qbdkit.services.risk_edit import RowEdit
from qbdkit.web.deps import WebUser, ctx, current_user, store_url

router = APIRouter(tags=["risk"])


class FmeaEditBody(BaseModel):
    """Row edits applied to version ``expected_version`` (the one the client loaded)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1)
    reason: str
    edits: list[RowEdit]


class RowPreviewOut(BaseModel):
    row: str
    severity: int
    occurrence: int
    detection: int
    rpn: int
    ap: str
    scale: str


class FmeaEditOut(BaseModel):
    project: str
    key: str
    version: int
    changed: list[dict[str, Any]]
    result: dict[str, Any]


@router.get("/projects/{project}/risk")
def risk_records(request: Request, project: str, user: WebUser = Depends(current_user)
                 ) -> dict[str, list[dict[str, Any]]]:
    """The newest version of each risk record, with its stored result."""
    from qbdkit.services.risk_edit import risk_overview

    out = risk_overview(project, user=user.name, url=store_url(request))
    return {a: [{**r, "result": r["result"].to_dict() if hasattr(r["result"], "to_dict")
                 else r["result"]} for r in rows] for a, rows in out.items()}


@router.get("/projects/{project}/risk/fmea/{key}/preview", response_model=RowPreviewOut)
def fmea_preview(request: Request, project: str, key: str, row: str, severity: str,
                 occurrence: str, detection: str, version: int | None = None,
                 user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """RPN = S × O × D and the action priority of one row's ratings (nothing stored)."""
    from qbdkit.services.risk_edit import fmea_preview as preview

    return preview(project, key, row, severity, occurrence, detection, version=version,
                   user=user.name, url=store_url(request)).to_dict()


@router.post("/projects/{project}/risk/fmea/{key}", response_model=FmeaEditOut)
def fmea_edit(project: str, key: str, body: FmeaEditBody, context: Context = Depends(ctx)
              ) -> dict[str, Any]:
    """Apply the edits and store the next version (409 if someone saved meanwhile)."""
    from qbdkit.services.risk_edit import edit_fmea

    return edit_fmea(project, key, body.edits, expected_version=body.expected_version,
                     reason=body.reason, ctx=context).to_dict()
