"""Users and roles: who may do what in the store.

Roles (from the start, issue 2): ``viewer`` reads; ``scientist``, ``reviewer`` and
``qa`` also write records and import projects; ``admin`` also manages users. Every
check happens inside the transaction that makes the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbdkit.core.result import Result
from qbdkit.errors import QbdInputError
from qbdkit.store import transaction
from qbdkit.store.chain import utc_text
from qbdkit.store.schema import ROLES, User, utcnow
from qbdkit.store.trail import append_entry

RIGHTS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "write": frozenset({"scientist", "reviewer", "qa", "admin"}),
    "admin": frozenset({"admin"}),
}
_WHAT = {"read": "read the store", "write": "write records or import projects",
         "admin": "manage users"}


def require(session: Session, name: str, right: str) -> User:
    """The user ``name`` if it exists and its role grants ``right``; else :class:`QbdInputError`."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise QbdInputError("unknown user", column="user",
                            expected="a user of this store (see `qbdkit user list`; an admin "
                                     "adds one with `qbdkit user add NAME --role R`)",
                            found=name)
    allowed = RIGHTS[right]
    if user.role not in allowed:
        roles = ", ".join(r for r in ROLES if r in allowed)
        raise QbdInputError(f"user {name!r} has role {user.role}, which may not {_WHAT[right]}",
                            column="user", expected=f"a user with role {roles}", found=user.role)
    return user


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise QbdInputError("unknown role", column="role", expected=" | ".join(ROLES), found=role)
    return role


def add_user(name: str, role: str, *, user: str, reason: str = "", url: str | None = None) -> int:
    """Add user ``name`` with ``role`` (admin only); returns the new user's id."""
    name = (name or "").strip()
    if not name:
        raise QbdInputError("empty user name", column="name", expected="a user name", found=name)
    role = check_role(role)
    with transaction(url) as session:
        require(session, user, "admin")
        if session.scalar(select(User).where(User.name == name)) is not None:
            raise QbdInputError("user already exists", column="name", expected="a new user name",
                                found=name)
        new = User(name=name, role=role, created_at=utcnow(), created_by=user)
        session.add(new)
        session.flush()
        append_entry(session, user=user, action="user.add", entity=f"user:{name}",
                     new={"name": name, "role": role}, reason=reason or "user added")
        return new.id


def set_role(name: str, role: str, *, user: str, reason: str, url: str | None = None) -> str:
    """Change ``name``'s role (admin only; a reason is required); returns the old role.

    The last admin cannot lose the role, so the store never locks everyone out.
    Setting ``viewer`` is how an account is withdrawn from writing.
    """
    role = check_role(role)
    if not (reason or "").strip():
        raise QbdInputError("a reason is required to change a role", column="reason",
                            expected="why the role changes", found=reason)
    with transaction(url) as session:
        require(session, user, "admin")
        target = session.scalar(select(User).where(User.name == name))
        if target is None:
            raise QbdInputError("unknown user", column="name", expected="a user of this store",
                                found=name)
        old = target.role
        if old == "admin" and role != "admin":
            admins = session.scalars(select(User).where(User.role == "admin")).all()
            if len(admins) == 1:
                raise QbdInputError("the last admin cannot lose the role", column="role",
                                    expected="another admin first (qbdkit user add NAME "
                                             "--role admin)", found=role)
        target.role = role
        append_entry(session, user=user, action="user.role", entity=f"user:{name}",
                     old={"name": name, "role": old}, new={"name": name, "role": role},
                     reason=reason)
        return old


@dataclass(frozen=True)
class UserList(Result):
    users: list[dict]

    def summary(self) -> str:
        from qbdkit.services.audit import left_table

        return left_table(["name", "role", "created (UTC)", "by"],
                            [[u["name"], u["role"], u["created_at"], u["created_by"]]
                             for u in self.users])


def list_users(*, url: str | None = None) -> UserList:
    """Every user of the store, oldest first."""
    with transaction(url, write=False) as session:
        return UserList([{"name": u.name, "role": u.role, "created_at": utc_text(u.created_at),
                          "created_by": u.created_by}
                         for u in session.scalars(select(User).order_by(User.id))])
