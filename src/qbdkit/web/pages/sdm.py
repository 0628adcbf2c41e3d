"""Scale-down comparison page: the project's stored scale-down (sdm) records drawn as the
report draws them, and a new comparison run from two uploaded tables (at-scale batches,
small-scale runs) through the ``sdm.compare`` use case, stored as a record (issue 15).

Thin: uploads are checked and saved by :mod:`qbdkit.web.uploads`; the request is
:class:`qbdkit.services.sdm.CompareRequest`; :func:`qbdkit.services.records.run_and_store`
computes and stores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.web.deps import WebUser, ctx, current_user, store_url
from qbdkit.web.templating import redirect, render

router = APIRouter()


def _page(request: Request, project: str, user: WebUser, *, error: str | None = None,
          form: dict | None = None, status_code: int = 200) -> Response:
    from qbdkit.report.project import record_body
    from qbdkit.services.record_views import filter_records
    from qbdkit.services.records import latest_record
    from qbdkit.services.users import RIGHTS

    url = store_url(request)
    rows = filter_records(project, stage="sdm", user=user.name, url=url)
    bodies = {}
    for r in rows:
        full = latest_record(project, r["kind"], r["key"], url=url)
        bodies[(r["kind"], r["key"])] = record_body(full, user.lang) if full else ""
    return render(request, "sdm/index.html", status_code=status_code, project=project,
                  rows=rows, bodies=bodies, error=error, form=form or {},
                  can_author=user.role in RIGHTS["author"])


@router.get("/projects/{project}/sdm")
def sdm_page(request: Request, project: str, user: WebUser = Depends(current_user)
             ) -> Response:
    return _page(request, project, user)


def split_list(text: str) -> list[str]:
    """``"1.5sd, titer=0.3"`` → ``["1.5sd", "titer=0.3"]`` (commas, semicolons or lines)."""
    import re

    return [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]


@router.post("/projects/{project}/sdm")
def sdm_compare(request: Request, project: str, at_scale: UploadFile = File(...),
                small_scale: UploadFile = File(...), name: str = Form(""),
                reason: str = Form(""), margin: str = Form(""), alpha: float = Form(0.05),
                k: float = Form(3.0), exclude: str = Form(""),
                user: WebUser = Depends(current_user), context: Context = Depends(ctx)
                ) -> Response:
    """Compare the two uploaded tables and store the result as ``sdm.compare/<name>``."""
    from qbdkit.services.records import run_and_store
    from qbdkit.services.sdm import CompareRequest
    from qbdkit.web.uploads import save_upload

    form = {"name": name, "reason": reason, "margin": margin, "alpha": alpha, "k": k,
            "exclude": exclude}
    try:
        if not name.strip():
            raise QbdInputError("a record name is required", column="name",
                                expected="a name for the stored comparison", found="")
        with tempfile.TemporaryDirectory(prefix="qbdkit-upload-") as tmp:
            a = save_upload(at_scale, Path(tmp), field="at_scale")
            s = save_upload(small_scale, Path(tmp), field="small_scale")
            req = CompareRequest(at_scale=a, small_scale=s, margin=split_list(margin),
                                 alpha=alpha, k=k, exclude=split_list(exclude))
            _, stored = run_and_store("sdm.compare", req, context, project=project,
                                      name=name.strip(), reason=reason)
    except QbdInputError as exc:
        if type(exc).__name__ in ("PermissionDenied", "NotFound", "AuthenticationRequired"):
            raise
        from qbdkit.web.app import status_of

        return _page(request, project, user, form=form, status_code=status_of(exc),
                     error="; ".join(p.text(user.lang) for p in exc.problems))
    assert stored is not None
    return redirect(request, f"/projects/{quote(project, safe='')}/records/sdm.compare/"
                             f"{quote(stored.key, safe='')}", flash="Comparison stored.")
