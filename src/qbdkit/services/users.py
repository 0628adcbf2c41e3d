"""Users, roles and separation of duties: who may do what in the store.

Roles (issue 10; 21 CFR 11.10(d), (g); EU GMP Annex 11 §12):

=========  ==========================================================================
role       may
=========  ==========================================================================
viewer     read projects, records, reports and the audit trail
scientist  author: import projects, run and save analyses, accept results into a project,
           sign records as *authored*
reviewer   read; sign records as *reviewed* or *rejected*
qa         read; sign records as *approved* or *rejected* (approve and release); export the
           audit trail for periodic review
admin      manage users (add, role, disable, unlock, reset password), store settings, keys,
           backups — but never author, review or approve records
=========  ==========================================================================

Nobody reviews or approves a record they authored. On a **single-user** store (the
embedded default) the operating-system user acts with every right except signing, and
records say so; on a **multi-user** store only a signed-in user acts (:mod:`services.auth`).

Every change to a user writes an audit entry whose ``new`` is the user's full audited state
(:func:`user_state`: role, printed name, disabled, locked, SHA-256 of the password hash), so
verification can compare each ``users`` row with what the trail last recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbdkit.core.result import Result
from qbdkit.errors import NotFound, PermissionDenied, QbdInputError
from qbdkit.store import transaction
from qbdkit.store.chain import utc_text
from qbdkit.store.meta import SINGLE_USER, mode
from qbdkit.store.schema import ROLES, User, utcnow
from qbdkit.store.trail import append_entry

RIGHTS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "author": frozenset({"scientist"}),
    "review": frozenset({"reviewer"}),
    "approve": frozenset({"qa"}),
    "reject": frozenset({"reviewer", "qa"}),
    "audit-export": frozenset({"qa", "admin", "reviewer"}),
    "admin": frozenset({"admin"}),
}
#: ``write`` is the older name of ``author``.
RIGHTS["write"] = RIGHTS["author"]
_WHAT = {"read": "read the store", "author": "author records or import projects",
         "write": "author records or import projects", "review": "review records",
         "approve": "approve records", "reject": "reject records",
         "audit-export": "export the audit trail", "admin": "manage users and settings"}
SIGNING_RIGHTS = frozenset({"review", "approve", "reject"})


def user_state(user: User) -> dict[str, Any]:
    """The audited state of a user (what verification compares with the ``users`` row)."""
    return {"name": user.name, "role": user.role, "full_name": user.full_name,
            "disabled": bool(user.disabled), "locked": bool(user.locked),
            "password": None if not user.password_hash
            else hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()}


def audit_user(session: Session, actor: str, action: str, target: User, reason: str,
               old: dict[str, Any] | None = None) -> None:
    append_entry(session, user=actor, action=action, entity=f"user:{target.name}", old=old,
                 new=user_state(target), reason=reason)


def find_user(session: Session, name: str, *, field: str = "user") -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound("unknown user", column=field,
                       expected="a user of this store (see `qbdkit user list`)", found=name)
    return user


def require(session: Session, name: str, right: str) -> User:
    """The acting user ``name`` if it exists, is enabled and its role grants ``right``.

    Raises :class:`NotFound` (unknown user) or :class:`PermissionDenied` (disabled, locked
    or a role without the right; on a single-user store, any signing right).
    """
    user = find_user(session, name)
    if user.disabled:
        raise PermissionDenied(f"user {name!r} is disabled", column="user",
                               expected="an enabled account", found="disabled")
    if mode(session) == SINGLE_USER:
        if right in SIGNING_RIGHTS:
            raise PermissionDenied(
                "electronic signatures need a multi-user store", column="store",
                expected="a store secured with `qbdkit store secure --admin NAME` "
                         "(or PostgreSQL)", found="single-user store")
        return user
    allowed = RIGHTS[right]
    if user.role not in allowed:
        roles = ", ".join(r for r in ROLES if r in allowed)
        raise PermissionDenied(f"user {name!r} has role {user.role}, which may not "
                               f"{_WHAT[right]}", column="user",
                               expected=f"a user with role {roles}", found=user.role)
    return user


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise QbdInputError("unknown role", column="role", expected=" | ".join(ROLES), found=role)
    return role


def check_name(name: str) -> str:
    """User names: 1–100 characters, no spaces at the ends, no control characters."""
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise QbdInputError("bad user name", column="name",
                            expected="1–100 printable characters", found=name)
    return name


def add_user(name: str, role: str, *, user: str, reason: str = "", full_name: str | None = None,
             password: str | None = None, url: str | None = None) -> int:
    """Add user ``name`` with ``role`` (admin only); returns the new user's id.

    On a multi-user store an initial ``password`` is required; the new user must change it
    at first sign-in. ``full_name`` is the printed name shown with signatures.
    """
    from qbdkit.services.auth import check_policy, hash_password

    name = check_name(name)
    role = check_role(role)
    with transaction(url) as session:
        require(session, user, "admin")
        if session.scalar(select(User).where(User.name == name)) is not None:
            raise QbdInputError("user already exists", column="name", expected="a new user name",
                                found=name)
        multi = mode(session) != SINGLE_USER
        if multi and not password:
            raise QbdInputError("an initial password is required on a multi-user store",
                                column="password", expected="--password-stdin",
                                found="no password")
        new = User(name=name, role=role, created_at=utcnow(), created_by=user,
                   full_name=(full_name or "").strip() or None, must_change=bool(password),
                   failed_attempts=0, locked=False, disabled=False)
        if password:
            check_policy(session, new, password)
            new.password_hash = hash_password(password)
            new.password_changed_at = utcnow()
        session.add(new)
        session.flush()
        audit_user(session, user, "user.add", new, reason or "user added")
        return new.id


def _admin_change(name: str, *, user: str, reason: str, action: str, url: str | None,
                  change) -> dict[str, Any]:
    if not (reason or "").strip():
        raise QbdInputError("a reason is required", column="reason",
                            expected="why (kept in the audit trail)", found=reason)
    with transaction(url) as session:
        require(session, user, "admin")
        target = find_user(session, name, field="name")
        old = user_state(target)
        change(session, target)
        audit_user(session, user, action, target, reason, old=old)
        return user_state(target)


def set_role(name: str, role: str, *, user: str, reason: str, url: str | None = None) -> str:
    """Change ``name``'s role (admin only; a reason is required); returns the old role.

    The last enabled admin cannot lose the role, so the store never locks everyone out.
    """
    role = check_role(role)
    before: dict[str, str] = {}

    def change(session: Session, target: User) -> None:
        before["role"] = target.role
        if target.role == "admin" and role != "admin":
            _keep_an_admin(session, target)
        target.role = role

    _admin_change(name, user=user, reason=reason, action="user.role", url=url, change=change)
    return before["role"]


def _keep_an_admin(session: Session, target: User) -> None:
    admins = [u for u in session.scalars(select(User).where(User.role == "admin"))
              if not u.disabled and u.id != target.id]
    if not admins:
        raise QbdInputError("the last admin cannot lose the role or be disabled", column="name",
                            expected="another enabled admin first", found=target.name)


def set_disabled(name: str, disabled: bool, *, user: str, reason: str,
                 url: str | None = None) -> dict[str, Any]:
    """Disable (never delete) or re-enable a user; a disabled user's sessions end."""
    from qbdkit.services.auth import revoke_sessions

    def change(session: Session, target: User) -> None:
        if disabled and target.role == "admin":
            _keep_an_admin(session, target)
        if disabled and target.name == user:
            raise QbdInputError("you cannot disable yourself", column="name",
                                expected="another user", found=name)
        target.disabled = disabled
        if disabled:
            revoke_sessions(session, target)

    return _admin_change(name, user=user, reason=reason,
                         action="user.disable" if disabled else "user.enable", url=url,
                         change=change)


def unlock(name: str, *, user: str, reason: str, url: str | None = None) -> dict[str, Any]:
    """Unlock a user locked out after failed sign-ins (admin only)."""

    def change(session: Session, target: User) -> None:
        target.locked = False
        target.failed_attempts = 0

    return _admin_change(name, user=user, reason=reason, action="user.unlock", url=url,
                         change=change)


def set_full_name(name: str, full_name: str, *, user: str, reason: str,
                  url: str | None = None) -> dict[str, Any]:
    """Set the printed name shown with a user's signatures (admin only)."""
    full = (full_name or "").strip()
    if not full:
        raise QbdInputError("empty full name", column="full_name", expected="a printed name",
                            found=full_name)

    def change(session: Session, target: User) -> None:
        target.full_name = full

    return _admin_change(name, user=user, reason=reason, action="user.name", url=url,
                         change=change)


@dataclass(frozen=True)
class UserList(Result):
    users: list[dict]

    def summary(self) -> str:
        from qbdkit.services.audit import left_table

        return left_table(["name", "full name", "role", "state", "created (UTC)", "by"],
                          [[u["name"], u["full_name"] or "", u["role"], u["state"],
                            u["created_at"], u["created_by"]] for u in self.users])


def _state_word(u: User) -> str:
    if u.disabled:
        return "disabled"
    if u.locked:
        return "locked"
    if u.must_change:
        return "must change password"
    return "active"


def list_users(*, user: str | None = None, url: str | None = None) -> UserList:
    """Every user of the store, oldest first."""
    with transaction(url, write=False) as session:
        if user is not None:
            require(session, user, "read")
        return UserList([{"name": u.name, "full_name": u.full_name, "role": u.role,
                          "state": _state_word(u), "created_at": utc_text(u.created_at),
                          "created_by": u.created_by}
                         for u in session.scalars(select(User).order_by(User.id))])


LANG_KEY = "lang:{name}"


def set_language(name: str, lang: str, *, url: str | None = None) -> str:
    """Keep ``name``'s language for the pages and messages (``en`` or ``zh``), so it follows
    the user to any browser. A display preference (a store setting, not an audited change);
    every user may set their own."""
    from qbdkit.i18n import normalize_lang
    from qbdkit.store.meta import set_meta

    lang = normalize_lang(lang)
    with transaction(url) as session:
        require(session, name, "read")
        set_meta(session, LANG_KEY.format(name=name)[:100], lang)
    return lang


def language_of(session: Session, name: str) -> str | None:
    """The language ``name`` chose (None: not chosen yet)."""
    from qbdkit.store.meta import get_meta

    return get_meta(session, LANG_KEY.format(name=name)[:100])
