"""Risk pages: the project's risk records, the FMEA grid edited in place, the C&E matrix with
its Pareto chart, CQA scoring and parameter classes (issue 15).

Thin: every number comes from :mod:`qbdkit.services.risk_edit` (preview of RPN/AP through
core, the edit stored as a new version with optimistic locking) and the stored results. The
grid's rating inputs are named ``<row id>.<field>`` — the same words the service's errors use
(``B04.severity``) — and each asks :func:`fmea_preview` for its row's RPN and AP as the user
types (htmx, out-of-band swap of two spans; no script of our own).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qbdkit.errors import Conflict, QbdInputError
from qbdkit.services.base import Context
from qbdkit.web.deps import WebUser, ctx, current_user, store_url
from qbdkit.web.templating import redirect, render, translator

router = APIRouter()

#: columns of the grid: (field, msgid, editable as text)
GRID_TEXT = ("step", "failure_mode", "effect", "cause", "action", "owner")
AP_CLASS = {"H": "ap-H", "M": "ap-M", "L": "ap-L"}


def can_author(user: WebUser) -> bool:
    """Whether to show write controls (a courtesy: the services check the role)."""
    from qbdkit.services.users import RIGHTS

    return user.role in RIGHTS["author"]


@router.get("/projects/{project}/risk")
def risk_index(request: Request, project: str, user: WebUser = Depends(current_user)
               ) -> Response:
    from qbdkit.services.risk_edit import risk_overview

    overview = risk_overview(project, user=user.name, url=store_url(request))
    return render(request, "risk/index.html", project=project, overview=overview)


# ---- FMEA grid --------------------------------------------------------------------------------


def _grid(request: Request, project: str, key: str, user: WebUser, *, version: int | None,
          overlay: dict[str, Any] | None = None, problems: list[str] | None = None,
          conflict: dict[str, Any] | None = None, reason: str = "",
          status_code: int = 200) -> Response:
    from qbdkit.services.records import get_record

    record = get_record(project, "risk.fmea", key, version, user=user.name,
                        url=store_url(request))
    result = record["content"].get("result") or {}
    rows = result.get("rows") or []
    editable = can_author(user) and record["state"] != "superseded"
    values = overlay or {}
    previews = {}  # RPN/AP of rows whose ratings are laid over (after a conflict or error)
    for r in rows:
        names = [f"{r['id']}.{f}" for f in ("severity", "occurrence", "detection")]
        if any(n in values for n in names):
            from qbdkit.services.risk_edit import fmea_preview

            try:
                previews[r["id"]] = fmea_preview(
                    project, key, r["id"], *[values.get(n, r.get(n.rsplit(".", 1)[1]))
                                             for n in names],
                    version=record["version"], url=store_url(request))
            except QbdInputError:
                continue
    return render(request, "risk/fmea.html", status_code=status_code, project=project,
                  key=key, record=record, rows=rows, result=result, editable=editable,
                  values=values, previews=previews, problems=problems or [], conflict=conflict, reason=reason,
                  text_fields=GRID_TEXT, ap_class=AP_CLASS)


@router.get("/projects/{project}/risk/fmea/{key}")
def fmea_page(request: Request, project: str, key: str, version: int | None = None,
              user: WebUser = Depends(current_user)) -> Response:
    return _grid(request, project, key, user, version=version)


@router.get("/projects/{project}/risk/fmea/{key}/preview")
def fmea_preview_fragment(request: Request, project: str, key: str, row: str, i: int = 0,
                          version: int | None = None, user: WebUser = Depends(current_user)
                          ) -> Response:
    """The row's RPN and AP as out-of-band spans (or the problem), for htmx."""
    from qbdkit.services.risk_edit import fmea_preview

    q = request.query_params
    try:
        p = fmea_preview(project, key, row, q.get(f"{row}.severity"),
                         q.get(f"{row}.occurrence"), q.get(f"{row}.detection"),
                         version=version, user=user.name, url=store_url(request))
    except QbdInputError as exc:
        text = "; ".join(pr.text(user.lang) for pr in exc.problems)
        return render(request, "risk/preview.html", i=i, rpn="–", ap=None, message=text,
                      ap_class=AP_CLASS)
    return render(request, "risk/preview.html", i=i, rpn=p.rpn, ap=p.ap, message="",
                  ap_class=AP_CLASS)


async def _edits(request: Request) -> tuple[int, str, list[dict[str, Any]]]:
    form = await request.form()
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        raise QbdInputError("missing version", column="version",
                            expected="the version the grid was loaded from",
                            found=form.get("version")) from None
    reason = str(form.get("reason", ""))
    by_row: dict[str, dict[str, Any]] = {}
    for name, value in form.multi_items():
        if "." not in name or not isinstance(value, str):
            continue
        row, field = name.rsplit(".", 1)
        by_row.setdefault(row, {})[field] = value
    return version, reason, [{"id": r, "values": v} for r, v in by_row.items()]


@router.post("/projects/{project}/risk/fmea/{key}")
async def fmea_save(request: Request, project: str, key: str,
                    user: WebUser = Depends(current_user), context: Context = Depends(ctx)
                    ) -> Response:
    """Store the grid as the next version; a stale version → the newest version with this
    author's changes laid over it and a conflict message (409), nothing lost."""
    from qbdkit.services.risk_edit import edit_fmea, pending_changes

    version, reason, edits = await _edits(request)
    lang = user.lang
    try:
        out = edit_fmea(project, key, edits, expected_version=version, reason=reason,
                        ctx=context)
    except Conflict:
        mine = pending_changes(project, key, edits, version=version, user=user.name,
                               url=context.url)
        overlay = {f"{c['id']}.{c['field']}": c["new"] for c in mine}
        return _grid(request, project, key, user, version=None, overlay=overlay,
                     conflict={"base": version, "changes": mine}, reason=reason,
                     status_code=409)
    except QbdInputError as exc:
        if type(exc).__name__ in ("PermissionDenied", "NotFound"):
            raise
        overlay = {f"{e['id']}.{f}": v for e in edits for f, v in e["values"].items()}
        return _grid(request, project, key, user, version=version, overlay=overlay,
                     problems=[p.text(lang) for p in exc.problems], reason=reason,
                     status_code=422)
    return redirect(request, f"/projects/{_q(project)}/risk/fmea/{_q(key)}?saved={out.version}",
                    flash="Saved as a new version.")


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# ---- C&E, CQA, parameter classes ---------------------------------------------------------------


def pareto_figure(result: Any, lang: str) -> dict[str, Any]:
    """Plotly figure (data + layout) of a C&E matrix: score bars (potential CPPs dark), the
    cumulative % line on a second axis, the threshold or Pareto line."""
    t = translator(lang)
    names = [r["name"] for r in result.inputs]
    colours = ["#2f5d8a" if r["selected"] else "#a8bfd6" for r in result.inputs]
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": names, "y": [r["score"] for r in result.inputs],
         "marker": {"color": colours}, "name": t("C&E score")},
        {"type": "scatter", "mode": "lines+markers", "x": names,
         "y": [r["cumulative_pct"] for r in result.inputs], "yaxis": "y2",
         "name": t("cumulative %"), "line": {"color": "#444444"}}]
    shapes = []
    if result.threshold is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": result.threshold, "y1": result.threshold,
                       "line": {"color": "#c00000", "dash": "dash", "width": 1}})
    else:
        pct = float(result.rule.split()[1]) if result.rule.startswith("first ") else 80.0
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2",
                       "y0": pct, "y1": pct,
                       "line": {"color": "#c00000", "dash": "dash", "width": 1}})
    layout = {"title": {"text": t("Cause-and-effect Pareto")},
              "yaxis": {"title": {"text": t("C&E score = Σ weight × correlation")}},
              "yaxis2": {"title": {"text": t("cumulative %")}, "overlaying": "y",
                         "side": "right", "range": [0, 105], "tickmode": "linear",
                         "tick0": 0, "dtick": 20, "ticksuffix": " %", "showgrid": False},
              "xaxis": {"tickangle": -30}, "shapes": shapes, "showlegend": True,
              "legend": {"orientation": "h", "y": -0.35}, "margin": {"t": 50, "b": 120},
              "height": 420}
    return {"data": data, "layout": layout}


@router.get("/projects/{project}/risk/ce")
def ce_page(request: Request, project: str, user: WebUser = Depends(current_user)) -> Response:
    from qbdkit.services.risk_edit import risk_overview

    items = risk_overview(project, user=user.name, url=store_url(request))["ce"]
    charts = {r["key"]: json.dumps(pareto_figure(r["result"], user.lang), ensure_ascii=False)
              for r in items if hasattr(r["result"], "inputs")}
    return render(request, "risk/ce.html", project=project, items=items, charts=charts)


@router.get("/projects/{project}/risk/cqa")
def cqa_page(request: Request, project: str, user: WebUser = Depends(current_user)
             ) -> Response:
    from qbdkit.services.risk_edit import risk_overview

    items = risk_overview(project, user=user.name, url=store_url(request))["cqa"]
    return render(request, "risk/cqa.html", project=project, items=items)


@router.get("/projects/{project}/risk/classes")
def classes_page(request: Request, project: str, user: WebUser = Depends(current_user)
                 ) -> Response:
    from qbdkit.services.risk_edit import risk_overview

    items = risk_overview(project, user=user.name, url=store_url(request))["classify"]
    return render(request, "risk/classes.html", project=project, items=items)
