"""The audit trail over JSON: entries with filters, export (xlsx/csv), verification
(:mod:`qbdkit.services.audit`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qbdkit.services.base import Context
from qbdkit.web.deps import ctx

router = APIRouter(tags=["audit"])

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class AuditEntryOut(BaseModel):
    id: int
    at: str
    user: str
    action: str
    project: str | None = None
    entity: str | None = None
    changes: str = ""
    reason: str | None = None
    hash: str


class AuditPage(BaseModel):
    total: int = Field(description="entries matching the filters")
    entries: list[AuditEntryOut] = Field(description="newest first, at most `limit`")


class VerifyOut(BaseModel):
    intact: bool
    entries: int
    head_id: int | None = None
    head_hash: str | None = None
    summary: str


class Filters(BaseModel):
    project: str | None = None
    user: str | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None


def filters(project: str | None = Query(None, max_length=200),
            user: str | None = Query(None, max_length=200),
            action: str | None = Query(None, max_length=100),
            since: str | None = Query(None, max_length=40),
            until: str | None = Query(None, max_length=40)) -> Filters:
    return Filters(project=project or None, user=user or None, action=action or None,
                   since=since or None, until=until or None)


def entries_of(f: Filters, context: Context, limit: int) -> AuditPage:
    from qbdkit.services.audit import audit_log

    log = audit_log(f.project, user_filter=f.user, action=f.action, since=f.since,
                    until=f.until, user=context.user, url=context.url)
    newest = list(reversed(log.entries))[:limit]
    return AuditPage(total=len(log.entries), entries=[AuditEntryOut(
        id=e["id"], at=e["at"], user=e["user"], action=e["action"], project=e["project"],
        entity=e["entity"], changes=e.get("changes") or "", reason=e["reason"],
        hash=e["hash"]) for e in newest])


def export_response(f: Filters, fmt: str, context: Context) -> Response:
    from qbdkit.errors import QbdInputError
    from qbdkit.services.audit import export_audit

    if fmt not in EXPORT_TYPES:
        raise QbdInputError("unknown export format", column="format", expected="xlsx | csv",
                            found=fmt)
    with tempfile.TemporaryDirectory(prefix="qbdkit-audit-") as tmp:
        out = export_audit(Path(tmp) / f"audit.{fmt}", user=context.user or "",
                           project=f.project, user_filter=f.user, action=f.action,
                           since=f.since, until=f.until, url=context.url)
        data = out.read_bytes()
    return Response(data, media_type=EXPORT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="audit-trail.{fmt}"'})


def verify(context: Context) -> VerifyOut:
    from qbdkit.services.audit import verify_audit

    report = verify_audit(url=context.url)
    return VerifyOut(intact=report.intact, entries=report.entries, head_id=report.head_id,
                     head_hash=report.head_hash, summary=report.summary())


@router.get("/audit", response_model=AuditPage)
def api_audit(f: Filters = Depends(filters), limit: int = Query(500, ge=1, le=10000),
              context: Context = Depends(ctx)) -> AuditPage:
    return entries_of(f, context, limit)


@router.get("/audit/export", response_class=Response,
            responses={200: {"content": {t: {} for t in EXPORT_TYPES.values()}}})
def api_audit_export(format: Literal["xlsx", "csv"] = "xlsx", f: Filters = Depends(filters),
                     context: Context = Depends(ctx)) -> Response:
    return export_response(f, format, context)


@router.post("/audit/verify", response_model=VerifyOut)
def api_audit_verify(context: Context = Depends(ctx)) -> VerifyOut:
    return verify(context)
