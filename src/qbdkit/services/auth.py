"""Sign-in: passwords, sessions, lockout, the first administrator (21 CFR Part 11, Annex 11).

* Passwords are hashed with Argon2id (``argon2-cffi``) at the OWASP Password Storage Cheat
  Sheet minimum (19 MiB memory, 2 iterations, 1 lane). Policy (:func:`check_policy`): at least
  ``password_min_length`` characters (default 12), not containing the user name, not one of
  the last ``password_history`` (5) passwords.
* ``max_failed_logins`` (5) wrong passwords in a row lock the account until an admin unlocks
  it; every failure and the lockout are audit entries (11.300(d)).
* A user made or reset by an admin must change the password at the next sign-in.
* A sign-in issues a random token (``secrets.token_urlsafe``); the store keeps only its
  SHA-256. A session expires after ``session_idle_minutes`` (15) without use; sign-out and
  disabling revoke it. The CLI keeps its token in the user's config folder
  (:mod:`qbdkit.cli.session`); the web keeps it in an HttpOnly cookie.
* **Store modes**: a new SQLite store is *single-user* — the operating-system user acts
  without signing in (:func:`local_user`), every record says so, and nothing can be signed.
  ``qbdkit store secure --admin NAME`` (``init`` for an empty store) makes it *multi-user*;
  PostgreSQL stores are always multi-user. On a multi-user store only a signed-in user acts.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbdkit.errors import AuthenticationRequired, Conflict, PermissionDenied, QbdInputError
from qbdkit.services.users import audit_user, check_name, find_user, require, user_state
from qbdkit.store import transaction
from qbdkit.store.meta import MULTI_USER, SINGLE_USER, get_meta, mode, set_meta, store_id
from qbdkit.store.schema import PasswordHistory, SignInSession, User, utcnow
from qbdkit.store.trail import append_entry

_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
#: ``QBDKIT_ARGON2_PROFILE=fast`` — for test suites only (many users made per test): the
#: smallest Argon2id cost. The cost is written into each hash, so verification is unaffected.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    import os

    fast = os.environ.get("QBDKIT_ARGON2_PROFILE") == "fast"
    return (_FAST_HASHER if fast else _HASHER).hash(password)


def _matches(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_policy(session: Session, user: User, password: str) -> None:
    """Refuse a password that breaks the policy (length, user name, reuse of the last N)."""
    minimum = int(get_meta(session, "password_min_length") or 12)
    if not isinstance(password, str) or len(password) < minimum:
        raise QbdInputError("password too short", column="password",
                            expected=f"at least {minimum} characters",
                            found=f"{len(password or '')} characters")
    if user.name and user.name.casefold() in password.casefold():
        raise QbdInputError("the password contains the user name", column="password",
                            expected="a password without the user name", found="user name inside")
    keep = int(get_meta(session, "password_history") or 5)
    earlier = [user.password_hash] if user.password_hash else []
    if user.id is not None:
        earlier += list(session.scalars(
            select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
            .order_by(PasswordHistory.id.desc()).limit(keep)))
    if any(_matches(h, password) for h in earlier[:keep]):
        raise QbdInputError("password used recently", column="password",
                            expected=f"none of the last {keep} passwords", found="a reused one")


def _set_password(session: Session, user: User, password: str, *, must_change: bool) -> None:
    check_policy(session, user, password)
    if user.password_hash:
        session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash,
                                    at=utcnow()))
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change = must_change


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoreInfo:
    store_id: str | None
    mode: str
    backend: str


def store_info(url: str | None = None) -> StoreInfo:
    """The store's id, mode (single-user / multi-user) and backend."""
    with transaction(url, write=False) as session:
        return StoreInfo(store_id(session), mode(session), session.get_bind().dialect.name)


def local_user(url: str | None = None) -> str:
    """The operating-system user acting on a single-user store (registered on first use)."""
    name = check_name(os_user_name())
    with transaction(url, write=False) as session:
        if mode(session) != SINGLE_USER:
            raise AuthenticationRequired(
                "this store is multi-user: sign in first", column="user",
                expected="`qbdkit login`", found="no sign-in")
        if session.scalar(select(User).where(User.name == name)) is not None:
            return name
    with transaction(url) as session:
        if session.scalar(select(User).where(User.name == name)) is None:
            new = User(name=name, role="scientist", created_at=utcnow(), created_by="system",
                       full_name=None, must_change=False, failed_attempts=0, locked=False,
                       disabled=False)
            session.add(new)
            session.flush()
            audit_user(session, "system", "user.add", new,
                       "single-user store: operating-system user registered")
    return name


def os_user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "local"


def secure_store(admin: str, password: str, *, full_name: str | None = None,
                 reason: str = "", url: str | None = None) -> dict[str, Any]:
    """Make the store multi-user with ``admin`` as its first signed-in administrator.

    ``qbdkit store init --admin NAME`` (an empty or PostgreSQL store) and ``qbdkit store
    secure --admin NAME`` (an embedded store used single-user so far) both come here. The
    admin is created, or the passwordless ``admin`` of a new store gets its password. Refused
    when an administrator with a password exists already.
    """
    admin = check_name(admin)
    with transaction(url) as session:
        holders = [u for u in session.scalars(select(User).where(User.role == "admin"))
                   if u.password_hash]
        if holders:
            raise Conflict("the store already has a signed-in administrator", column="admin",
                           expected="an admin to add users (`qbdkit user add`)",
                           found=holders[0].name)
        old_mode = mode(session)
        target = session.scalar(select(User).where(User.name == admin))
        old = None if target is None else user_state(target)
        if target is None:
            target = User(name=admin, role="admin", created_at=utcnow(), created_by="system",
                          full_name=None, must_change=False, failed_attempts=0, locked=False,
                          disabled=False)
            session.add(target)
            session.flush()
        elif target.role != "admin":
            raise Conflict("that user exists with another role", column="admin",
                           expected="a new name or the built-in admin", found=target.role)
        if full_name:
            target.full_name = full_name.strip()
        _set_password(session, target, password, must_change=False)
        audit_user(session, "system", "user.add" if old is None else "user.password", target,
                   reason or "first administrator", old=old)
        if session.get_bind().dialect.name == "sqlite":
            set_meta(session, "mode", MULTI_USER)
        append_entry(session, user="system", action="store.secure",
                     entity=f"store:{store_id(session)}", old={"mode": old_mode},
                     new={"mode": MULTI_USER, "admin": admin},
                     reason=reason or "store made multi-user")
        return {"admin": admin, "mode": MULTI_USER, "previous_mode": old_mode}


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the token (shown once), who, and until when it is idle-valid."""

    token: str
    user: str
    role: str
    full_name: str | None
    idle_minutes: int


class PasswordChangeRequired(PermissionDenied):
    """The password must be changed before the account can be used."""


def login(name: str, password: str, *, new_password: str | None = None, client: str = "cli",
          url: str | None = None) -> SignIn:
    """Check ``name``/``password`` and open a session.

    A wrong password counts towards the lockout (and is audited) even though the call
    fails; a user who must change the password gets :class:`PasswordChangeRequired` unless
    ``new_password`` is given, which is then set (policy-checked) before the session opens.
    """
    failure: QbdInputError | None = None
    with transaction(url) as session:
        if mode(session) == SINGLE_USER:
            raise QbdInputError("this store is single-user: no sign-in needed", column="store",
                                expected="`qbdkit store secure --admin NAME` to make it "
                                         "multi-user", found="single-user store")
        user = session.scalar(select(User).where(User.name == (name or "").strip()))
        if user is None:
            append_entry(session, user=(name or "")[:200] or "?", action="auth.failed",
                         entity=f"user:{(name or '')[:200]}", new={"cause": "unknown user"},
                         reason="sign-in refused")
            failure = AuthenticationRequired("unknown user or wrong password", column="user",
                                             expected="a user of this store and its password",
                                             found=name)
        elif user.disabled:
            append_entry(session, user=user.name, action="auth.failed",
                         entity=f"user:{user.name}", new={"cause": "disabled"},
                         reason="sign-in refused")
            failure = PermissionDenied("the account is disabled", column="user",
                                       expected="an enabled account (ask an admin)",
                                       found=user.name)
        elif user.locked:
            append_entry(session, user=user.name, action="auth.failed",
                         entity=f"user:{user.name}", new={"cause": "locked"},
                         reason="sign-in refused")
            failure = PermissionDenied("the account is locked after failed sign-ins",
                                       column="user", expected="an admin to unlock it "
                                       "(`qbdkit user unlock NAME`)", found=user.name)
        elif not _matches(user.password_hash, password):
            failure = _count_failure(session, user)
        else:
            user.failed_attempts = 0
            if user.must_change:
                if not new_password:
                    failure = PasswordChangeRequired(
                        "the password must be changed first", column="password",
                        expected="a new password (qbdkit login asks for it; with "
                                 "--password-stdin give it on the second line)",
                        found="initial or reset password")
                else:
                    old = user_state(user)
                    _set_password(session, user, new_password, must_change=False)
                    audit_user(session, user.name, "user.password", user,
                               "password changed at sign-in", old=old)
            if failure is None:
                return _open_session(session, user, client)
    assert failure is not None
    raise failure


def _count_failure(session: Session, user: User) -> QbdInputError:
    limit = int(get_meta(session, "max_failed_logins") or 5)
    user.failed_attempts = (user.failed_attempts or 0) + 1
    append_entry(session, user=user.name, action="auth.failed", entity=f"user:{user.name}",
                 new={"cause": "wrong password", "attempt": user.failed_attempts},
                 reason="sign-in refused")
    if user.failed_attempts >= limit:
        old = user_state(user)
        user.locked = True
        revoke_sessions(session, user)
        audit_user(session, "system", "user.lockout", user,
                   f"{user.failed_attempts} failed sign-ins in a row", old=old)
        return PermissionDenied("wrong password; the account is now locked", column="password",
                                expected="an admin to unlock it", found=f"{limit} failures")
    return AuthenticationRequired("unknown user or wrong password", column="password",
                                  expected="the user's password",
                                  found=f"attempt {user.failed_attempts} of {limit}")


def _open_session(session: Session, user: User, client: str) -> SignIn:
    token = secrets.token_urlsafe(32)
    idle = int(get_meta(session, "session_idle_minutes") or 15)
    now = utcnow()
    session.add(SignInSession(token_sha256=_token_hash(token), user_id=user.id, created_at=now,
                              last_seen=now, idle_seconds=idle * 60, revoked_at=None,
                              client=client[:20]))
    append_entry(session, user=user.name, action="auth.login", entity=f"user:{user.name}",
                 new={"client": client}, reason="signed in")
    return SignIn(token, user.name, user.role, user.full_name, idle)


def revoke_sessions(session: Session, user: User) -> None:
    now = utcnow()
    for s in session.scalars(select(SignInSession).where(SignInSession.user_id == user.id,
                                                         SignInSession.revoked_at.is_(None))):
        s.revoked_at = now


def logout(token: str, *, url: str | None = None) -> str | None:
    """End the session of ``token``; returns the user name (None if it was not valid)."""
    with transaction(url) as session:
        row = session.scalar(select(SignInSession).where(
            SignInSession.token_sha256 == _token_hash(token or "")))
        if row is None or row.revoked_at is not None:
            return None
        row.revoked_at = utcnow()
        user = session.get(User, row.user_id)
        name = user.name if user else "?"
        append_entry(session, user=name, action="auth.logout", entity=f"user:{name}",
                     new={"client": row.client}, reason="signed out")
        return name


def authenticate(token: str | None, *, url: str | None = None) -> str:
    """The user name of a valid session ``token`` (its idle timer restarts).

    Missing, unknown (forged), revoked or idle-expired tokens, and disabled or locked users,
    raise :class:`AuthenticationRequired` naming the cause.
    """
    return session_user(token, url=url).name


@dataclass(frozen=True)
class SessionUser:
    """Who a valid session belongs to (the web layer shows the role and printed name)."""

    name: str
    role: str
    full_name: str | None
    lang: str | None = None


#: A session's ``last_seen`` is written at most this often (seconds): reads stay read-only
#: transactions (no write lock per page view); the idle timeout is exact to this margin.
TOUCH_SECONDS = 30


def session_user(token: str | None, *, url: str | None = None) -> SessionUser:
    """:func:`authenticate`, returning the user's role and printed name too.

    A read-only transaction checks the token; ``last_seen`` is written (a short write
    transaction) only when older than :data:`TOUCH_SECONDS`. An idle-expired session is
    revoked (committed) before the error is raised.
    """
    hint = "`qbdkit login` (or sign in again on the web)"
    if not token:
        raise AuthenticationRequired("not signed in", column="session", expected=hint,
                                     found="no session")
    digest = _token_hash(token)
    with transaction(url, write=False) as session:
        row = session.scalar(select(SignInSession).where(SignInSession.token_sha256 == digest))
        if row is None:
            raise AuthenticationRequired("not a session of this store", column="session",
                                         expected=hint, found="unknown token")
        user = session.get(User, row.user_id)
        if user is None or user.disabled or user.locked:
            raise AuthenticationRequired("the account is disabled or locked", column="session",
                                         expected="an enabled account",
                                         found=None if user is None else user.name)
        if row.revoked_at is not None:
            raise AuthenticationRequired("session ended (signed out)", column="session",
                                         expected=hint, found="revoked")
        idle = timedelta(seconds=row.idle_seconds)
        since = utcnow() - _aware(row.last_seen)
        from qbdkit.services.users import language_of

        who = SessionUser(user.name, user.role, user.full_name, language_of(session, user.name))
        minutes = row.idle_seconds // 60
    if since <= timedelta(seconds=TOUCH_SECONDS):
        return who
    with transaction(url) as session:
        row = session.scalar(select(SignInSession).where(SignInSession.token_sha256 == digest))
        now = utcnow()
        if row is None or row.revoked_at is not None:
            raise AuthenticationRequired("session ended (signed out)", column="session",
                                         expected=hint, found="revoked")
        if since > idle or now - _aware(row.last_seen) > idle:
            row.revoked_at = now
            expired = True
        else:
            row.last_seen = now
            expired = False
    if expired:
        raise AuthenticationRequired("session expired after inactivity", column="session",
                                     expected=hint, found=f"idle > {minutes} min")
    return who


def _aware(moment):
    """Stored times come back naive from SQLite; they are UTC."""
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def reauthenticate(session: Session, name: str, password: str) -> User:
    """Check ``name``'s password again inside an open transaction (signing, 11.200(a)(1)).

    A wrong password counts towards the lockout; the caller must let the transaction commit
    that count (see :func:`qbdkit.services.signatures.sign`).
    """
    user = find_user(session, name)
    if user.disabled or user.locked:
        raise PermissionDenied("the account is disabled or locked", column="user",
                               expected="an enabled account", found=name)
    if not _matches(user.password_hash, password):
        raise _count_failure(session, user)
    user.failed_attempts = 0
    return user


def change_password(name: str, old_password: str, new_password: str, *,
                    url: str | None = None) -> None:
    """A user changes their own password (the old one is checked, the policy applies)."""
    failure: QbdInputError | None = None
    with transaction(url) as session:
        user = find_user(session, name)
        try:
            reauthenticate(session, name, old_password)
        except QbdInputError as exc:
            failure = exc
        else:
            old = user_state(user)
            _set_password(session, user, new_password, must_change=False)
            audit_user(session, name, "user.password", user, "password changed", old=old)
    if failure is not None:
        raise failure


def reset_password(name: str, new_password: str, *, user: str, reason: str,
                   url: str | None = None) -> None:
    """An admin sets a temporary password; the user must change it at the next sign-in."""
    if not (reason or "").strip():
        raise QbdInputError("a reason is required", column="reason", expected="why",
                            found=reason)
    with transaction(url) as session:
        require(session, user, "admin")
        target = find_user(session, name, field="name")
        old = user_state(target)
        _set_password(session, target, new_password, must_change=True)
        target.locked = False
        target.failed_attempts = 0
        revoke_sessions(session, target)
        audit_user(session, user, "user.reset", target, reason, old=old)
