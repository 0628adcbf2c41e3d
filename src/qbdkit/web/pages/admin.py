"""User administration pages (admins): add, role, disable/enable, unlock, reset password.

Each form calls the same service as ``qbdkit user …``; the services refuse a non-admin
(403) — the page only hides the forms from others.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.store.schema import ROLES
from qbdkit.web.api.users import users_of
from qbdkit.web.deps import ctx
from qbdkit.web.templating import redirect, render

router = APIRouter()


def _page(request: Request, context: Context, status_code: int = 200,
          error: str | None = None, values: dict | None = None) -> Response:
    return render(request, "admin/users.html", status_code=status_code,
                  users=users_of(context), roles=ROLES, error=error,
                  values=values or {"name": "", "full_name": "", "role": "scientist"})


@router.get("/admin/users")
def users_page(request: Request, context: Context = Depends(ctx)) -> Response:
    return _page(request, context)


def _act(request: Request, context: Context, action, flash: str,
         values: dict | None = None) -> Response:
    from qbdkit.web.app import status_of

    try:
        action()
    except QbdInputError as exc:
        return _page(request, context, status_of(exc), exc.first.text(context.lang), values)
    return redirect(request, "/admin/users", flash=flash)


@router.post("/admin/users")
def add_user_submit(request: Request, name: str = Form(""), full_name: str = Form(""),
                    role: str = Form("scientist"), password: str = Form(""),
                    reason: str = Form(""), context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.users import add_user

    return _act(request, context, lambda: add_user(
        name, role, user=context.user or "", reason=reason or "user added",
        full_name=full_name or None, password=password, url=context.url),
        "User added.", {"name": name, "full_name": full_name, "role": role})


@router.post("/admin/users/{name}/role")
def role_submit(name: str, request: Request, role: str = Form(""), reason: str = Form(""),
                context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.users import set_role

    return _act(request, context, lambda: set_role(name, role, user=context.user or "",
                                                   reason=reason, url=context.url),
                "Role changed.")


@router.post("/admin/users/{name}/disable")
def disable_submit(name: str, request: Request, reason: str = Form(""),
                   context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.users import set_disabled

    return _act(request, context, lambda: set_disabled(name, True, user=context.user or "",
                                                       reason=reason, url=context.url),
                "User disabled.")


@router.post("/admin/users/{name}/enable")
def enable_submit(name: str, request: Request, reason: str = Form(""),
                  context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.users import set_disabled

    return _act(request, context, lambda: set_disabled(name, False, user=context.user or "",
                                                       reason=reason, url=context.url),
                "User enabled.")


@router.post("/admin/users/{name}/unlock")
def unlock_submit(name: str, request: Request, reason: str = Form(""),
                  context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.users import unlock

    return _act(request, context, lambda: unlock(name, user=context.user or "",
                                                 reason=reason, url=context.url),
                "User unlocked.")


@router.post("/admin/users/{name}/reset-password")
def reset_submit(name: str, request: Request, password: str = Form(""),
                 reason: str = Form(""), context: Context = Depends(ctx)) -> Response:
    from qbdkit.services.auth import reset_password

    return _act(request, context, lambda: reset_password(name, password,
                                                         user=context.user or "",
                                                         reason=reason, url=context.url),
                "Password reset: the user must change it at the next sign-in.")
