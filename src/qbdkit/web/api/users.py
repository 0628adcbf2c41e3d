"""User administration over JSON (:mod:`qbdkit.services.users`, :mod:`qbdkit.services.auth`).

Role checks stay in the services: a non-admin gets 403 from them, whatever the page shows.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qbdkit.services.base import Context
from qbdkit.web.deps import ctx

router = APIRouter(tags=["users"])

Role = Literal["viewer", "scientist", "reviewer", "qa", "admin"]


class UserOut(BaseModel):
    name: str
    full_name: str | None = None
    role: str
    state: str = Field(description="active | disabled | locked | must change password")
    created_at: str
    created_by: str | None = None


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    full_name: str | None = Field(None, max_length=200)
    password: str = Field(min_length=1, max_length=1000,
                          description="initial password; the user must change it at sign-in")
    reason: str = Field("", max_length=1000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RoleIn(ReasonIn):
    role: Role


class ResetIn(ReasonIn):
    password: str = Field(min_length=1, max_length=1000)


def users_of(context: Context) -> list[UserOut]:
    from qbdkit.services.users import list_users

    return [UserOut(**u) for u in list_users(user=context.user, url=context.url).users]


def one(name: str, context: Context) -> UserOut:
    from qbdkit.errors import NotFound

    for u in users_of(context):
        if u.name == name:
            return u
    raise NotFound("unknown user", column="name", expected="a user of this store", found=name)


@router.get("/users", response_model=list[UserOut])
def api_users(context: Context = Depends(ctx)) -> list[UserOut]:
    return users_of(context)


@router.post("/users", response_model=UserOut, status_code=201)
def api_add_user(body: UserIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.users import add_user

    add_user(body.name, body.role, user=context.user or "", reason=body.reason or "user added",
             full_name=body.full_name, password=body.password, url=context.url)
    return one(body.name.strip(), context)


@router.post("/users/{name}/role", response_model=UserOut)
def api_set_role(name: str, body: RoleIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.users import set_role

    set_role(name, body.role, user=context.user or "", reason=body.reason, url=context.url)
    return one(name, context)


@router.post("/users/{name}/disable", response_model=UserOut)
def api_disable(name: str, body: ReasonIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.users import set_disabled

    set_disabled(name, True, user=context.user or "", reason=body.reason, url=context.url)
    return one(name, context)


@router.post("/users/{name}/enable", response_model=UserOut)
def api_enable(name: str, body: ReasonIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.users import set_disabled

    set_disabled(name, False, user=context.user or "", reason=body.reason, url=context.url)
    return one(name, context)


@router.post("/users/{name}/unlock", response_model=UserOut)
def api_unlock(name: str, body: ReasonIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.users import unlock

    unlock(name, user=context.user or "", reason=body.reason, url=context.url)
    return one(name, context)


@router.post("/users/{name}/reset-password", response_model=UserOut)
def api_reset(name: str, body: ResetIn, context: Context = Depends(ctx)) -> UserOut:
    from qbdkit.services.auth import reset_password

    reset_password(name, body.password, user=context.user or "", reason=body.reason,
                   url=context.url)
    return one(name, context)
