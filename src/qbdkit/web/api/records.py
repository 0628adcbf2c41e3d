"""JSON API of records: list with filters, one record with history, changes and checked
signatures, the difference between two versions, signing (password re-entered) and re-run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from qbdkit.web.deps import WebUser, current_user, store_url

router = APIRouter(tags=["records"])


class SignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meaning: str
    password: str
    reason: str = ""
    version: int | None = None


class RerunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None


@router.get("/projects/{project}/records")
def records(request: Request, project: str, kind: str | None = None, stage: str | None = None,
            state: str | None = None, author: str | None = None, q: str | None = None,
            user: WebUser = Depends(current_user)) -> list[dict[str, Any]]:
    """The newest version of each record (filters as on the records page)."""
    from qbdkit.services.record_views import filter_records

    return filter_records(project, kind=kind, stage=stage, state=state, author=author,
                          text=q, user=user.name, url=store_url(request))


@router.get("/projects/{project}/records/{kind}/{key}")
def record(request: Request, project: str, kind: str, key: str, version: int | None = None,
           user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """One version with its content, history, changes, checked signatures and the meanings
    the caller may sign it with now."""
    from qbdkit.services.record_views import record_view

    return record_view(project, kind, key, version, user=user.name, url=store_url(request))


@router.get("/projects/{project}/records/{kind}/{key}/diff")
def record_diff(request: Request, project: str, kind: str, key: str, old: int, new: int,
                user: WebUser = Depends(current_user)) -> list[dict[str, Any]]:
    """Every changed field between two versions: ``[{path, old, new}]``."""
    from qbdkit.services.record_views import record_diff as diff

    return diff(project, kind, key, old, new, user=user.name, url=store_url(request))


@router.post("/projects/{project}/records/{kind}/{key}/sign")
def record_sign(request: Request, project: str, kind: str, key: str, body: SignBody,
                user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """Sign the newest version (the service checks role, state and separation of duties)."""
    from qbdkit.errors import AuthenticationRequired, QbdInputError
    from qbdkit.services.signatures import sign

    try:
        return sign(project, kind, key, meaning=body.meaning, password=body.password,
                    user=user.name, reason=body.reason, version=body.version,
                    url=store_url(request)).to_dict()
    except AuthenticationRequired as exc:  # a wrong signing password: 422, not a lost session
        raise QbdInputError(problems=exc.problems) from None


@router.post("/projects/{project}/records/{kind}/{key}/rerun")
def record_rerun(request: Request, project: str, kind: str, key: str, body: RerunBody,
                 user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """Re-run a stored version from its inputs and options; identical or the differences."""
    from qbdkit.services.base import Context
    from qbdkit.services.records import rerun

    context = Context(user=user.name, url=store_url(request), lang=user.lang)
    return rerun(project, kind, key, body.version, ctx=context).to_dict()
