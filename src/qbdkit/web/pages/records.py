"""Records pages: a project's records with filters, one record (its body as the report draws
it, version history, field-level differences, signatures checked against the content,
state), the signing dialog (password re-entered, meaning chosen among those the signing
rules allow now) and the re-run button (issue 15).

Thin: :mod:`qbdkit.services.record_views` composes the views, :func:`qbdkit.services.
signatures.sign` signs (role, state and separation of duties are checked there, never
here), :func:`qbdkit.services.records.rerun` re-runs, :func:`qbdkit.report.project.
record_body` draws the body exactly as the project report does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.web.deps import WebUser, current_user, store_url
from qbdkit.web.templating import redirect, render

router = APIRouter()

MAX_CHANGES = 300


def show(value: Any, limit: int = 300) -> str:
    """A stored value as one line of text (∅ for none)."""
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "…"


@router.get("/projects/{project}/records")
def records_list(request: Request, project: str, kind: str = "", stage: str = "",
                 state: str = "", author: str = "", q: str = "",
                 user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.kinds import STAGES
    from qbdkit.services.record_views import filter_records
    from qbdkit.services.records import STATES

    rows = filter_records(project, kind=kind or None, stage=stage or None,
                          state=state or None, author=author or None, text=q or None,
                          user=user.name, url=store_url(request))
    return render(request, "records/list.html", project=project, rows=rows, states=STATES,
                  stages=STAGES, filters={"kind": kind, "stage": stage, "state": state,
                                          "author": author, "q": q})


def record_page(request: Request, project: str, kind: str, key: str, user: WebUser, *,
                version: int | None = None, against: int | None = None,
                error: str | None = None, rerun: Any = None, status_code: int = 200,
                meaning: str = "", reason: str = "") -> Response:
    from qbdkit.report.project import record_body
    from qbdkit.services.record_views import record_diff, record_view
    from qbdkit.services.users import RIGHTS

    url = store_url(request)
    view = record_view(project, kind, key, version, user=user.name, url=url)
    record = view["record"]
    changes, base = view["changes"], record["version"] - 1
    if against is not None and against != record["version"]:
        changes, base = record_diff(project, kind, key, against, record["version"],
                                    user=user.name, url=url), against
    body = record_body(record, user.lang)
    return render(request, "records/record.html", status_code=status_code, project=project,
                  kind=kind, key=key, view=view, record=record, body=body,
                  changes=changes[:MAX_CHANGES], more=max(0, len(changes) - MAX_CHANGES),
                  base=base, show=show, error=error, rerun=rerun, meaning=meaning,
                  reason=reason, can_author=user.role in RIGHTS["author"],
                  rerunnable=isinstance(record["content"], dict)
                  and "request" in record["content"])


@router.get("/projects/{project}/records/{kind}/{key}")
def record_get(request: Request, project: str, kind: str, key: str,
               version: int | None = None, against: int | None = None,
               user: WebUser = Depends(current_user)) -> Response:
    return record_page(request, project, kind, key, user, version=version, against=against)


def _status(exc: QbdInputError) -> int:
    from qbdkit.web.app import status_of

    code = status_of(exc)
    return 422 if code == 401 else code  # a wrong signing password is not a lost session


@router.post("/projects/{project}/records/{kind}/{key}/sign")
def record_sign(request: Request, project: str, kind: str, key: str,
                meaning: str = Form(""), password: str = Form(""), reason: str = Form(""),
                version: int | None = Form(None), user: WebUser = Depends(current_user)
                ) -> Response:
    """Sign the version shown (it must still be the newest) — the service decides who may."""
    from qbdkit.services.signatures import sign

    try:
        sign(project, kind, key, meaning=meaning, password=password, user=user.name,
             reason=reason, version=version, url=store_url(request))
    except QbdInputError as exc:
        return record_page(request, project, kind, key, user, version=version,
                           error="; ".join(p.text(user.lang) for p in exc.problems),
                           status_code=_status(exc), meaning=meaning, reason=reason)
    target = f"/projects/{quote(project, safe='')}/records/{quote(kind, safe='')}/" \
             f"{quote(key, safe='')}"
    return redirect(request, target, flash="Signed.")


@router.post("/projects/{project}/records/{kind}/{key}/rerun")
def record_rerun(request: Request, project: str, kind: str, key: str,
                 version: int | None = Form(None), user: WebUser = Depends(current_user)
                 ) -> Response:
    """Re-run the stored version from its stored inputs and options; show identical or the
    fields that differ (nothing is stored)."""
    from qbdkit.services.base import Context
    from qbdkit.services.records import rerun

    context = Context(user=user.name, url=store_url(request), lang=user.lang)
    try:
        result = rerun(project, kind, key, version, ctx=context)
    except QbdInputError as exc:
        if type(exc).__name__ in ("PermissionDenied", "NotFound"):
            raise
        return record_page(request, project, kind, key, user, version=version,
                           error="; ".join(p.text(user.lang) for p in exc.problems),
                           status_code=_status(exc))
    return record_page(request, project, kind, key, user, version=version, rerun=result)
