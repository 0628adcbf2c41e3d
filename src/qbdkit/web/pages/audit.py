"""The audit-trail viewer: filters (project, user, action, dates), export, verification."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from qbdkit.services.base import Context
from qbdkit.web.api.audit import Filters, entries_of, export_response, filters, verify
from qbdkit.web.deps import ctx
from qbdkit.web.templating import render

router = APIRouter()

ACTIONS = ["auth", "user", "project", "record", "signature", "store"]


@router.get("/audit")
def audit_page(request: Request, f: Filters = Depends(filters),
               limit: int = Query(200, ge=1, le=5000), context: Context = Depends(ctx)
               ) -> Response:
    from qbdkit.services.projects import list_projects
    from qbdkit.services.users import list_users

    page = entries_of(f, context, limit)
    projects = [p["name"] for p in list_projects(url=context.url).projects]
    users = [u["name"] for u in list_users(user=context.user, url=context.url).users]
    query = request.url.query
    return render(request, "audit/log.html", page=page, f=f, projects=projects, users=users,
                  actions=ACTIONS, limit=limit, query=query)


@router.get("/audit/export")
def audit_export(format: str = "xlsx", f: Filters = Depends(filters),
                 context: Context = Depends(ctx)) -> Response:
    return export_response(f, format, context)


@router.post("/audit/verify")
def audit_verify(request: Request, context: Context = Depends(ctx)) -> Response:
    """The verification result as an HTML fragment (htmx swaps it into the page)."""
    return render(request, "audit/verify.html", result=verify(context))
