"""Electronic signatures and the record lifecycle (21 CFR Part 11 §11.50, 11.70, 11.100,
11.200; EU GMP Annex 11 §14).

``sign(...)`` signs one record version with a *meaning*:

=========  =================  =============================================================
meaning    who                when
=========  =================  =============================================================
authored   the record's       draft → in review (the author submits the record)
           author (scientist)
reviewed   a reviewer, not    in review; once per reviewer
           the author
approved   QA, not the author in review, after at least one *reviewed*
rejected   a reviewer or QA,  in review; a reason is required → rejected
           not the author
=========  =================  =============================================================

Each signing asks for the signer's password again (11.200(a)(1): both components at each
signing outside a continuous session — we ask every time); a wrong password counts towards
the lockout. The signature stores the signer's printed full name, the UTC time, the meaning
and the SHA-256 of the signed content (11.50, 11.70), is never updated or deleted, and is
itself an audit entry. Only the newest version of a record can be signed: changing an
approved record makes a new draft version, and signatures never carry over to new content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Conflict, PermissionDenied, QbdInputError
from qbdkit.services.records import _signatures, find_project, signature_dict, state_of
from qbdkit.services.users import require
from qbdkit.store import transaction
from qbdkit.store.chain import sha256_text
from qbdkit.store.schema import MEANINGS, Record, Signature, utcnow
from qbdkit.store.trail import append_entry

_RIGHT = {"authored": "author", "reviewed": "review", "approved": "approve",
          "rejected": "reject"}


def check_meaning(meaning: str) -> str:
    m = (meaning or "").strip().lower()
    if m not in MEANINGS:
        raise QbdInputError("unknown signature meaning", column="meaning",
                            expected=" | ".join(MEANINGS), found=meaning)
    return m


@dataclass(frozen=True)
class Signed(Result):
    project: str
    kind: str
    key: str
    version: int
    meaning: str
    user: str
    full_name: str
    at: str
    content_sha256: str
    state: str

    def summary(self) -> str:
        return (f"{self.kind}/{self.key} v{self.version} signed {self.meaning} by "
                f"{self.full_name} ({self.user}) at {self.at} UTC; content sha256 "
                f"{self.content_sha256}; state now {self.state}")


def sign(project: str, kind: str, key: str, *, meaning: str, password: str, user: str,
         reason: str = "", version: int | None = None, url: str | None = None) -> Signed:
    """Sign the newest version of ``kind/key`` (``version``, when given, must be it)."""
    from qbdkit.services.auth import reauthenticate

    meaning = check_meaning(meaning)
    if meaning == "rejected" and not (reason or "").strip():
        raise QbdInputError("a reason is required to reject", column="reason",
                            expected="why the record is rejected", found=reason)
    failure: QbdInputError | None = None
    with transaction(url) as session:
        signer = require(session, user, _RIGHT[meaning])
        try:
            reauthenticate(session, user, password)
        except QbdInputError as exc:
            failure = exc  # the failed attempt is committed (lockout counts), then raised
        if failure is None:
            return _sign(session, project, kind, key, version, meaning, signer, reason)
    raise failure


def _check(session, project, kind, key, version, meaning, signer):
    """Every rule of signing (newest version, unaltered content, state, separation of
    duties, a printed name) → ``(record, signatures, state, latest)`` or the error."""
    proj = find_project(session, project)
    latest = session.scalar(select(func.max(Record.version)).where(
        Record.project_id == proj.id, Record.kind == kind, Record.key == key))
    if latest is None:
        raise QbdInputError("no such record", column="record",
                            expected=f"a record of project {project}", found=f"{kind}/{key}")
    if version is not None and version != latest:
        raise Conflict("only the newest version can be signed", column="version",
                       expected=f"version {latest}", found=f"version {version} (superseded)")
    record = session.scalar(select(Record).where(
        Record.project_id == proj.id, Record.kind == kind, Record.key == key,
        Record.version == latest))
    sigs = _signatures(session, record.id)
    state = state_of(record, sigs, latest)
    who = f"{kind}/{key} v{latest}"
    if sha256_text(record.content) != record.sha256:
        raise Conflict("the record's content does not match its hash; it cannot be signed",
                       column="record", expected="an unaltered record", found=who)
    if meaning == "authored":
        if record.user != signer.name:
            raise PermissionDenied("only the record's author signs it as authored",
                                   column="user", expected=record.user, found=signer.name)
        if state != "draft":
            raise Conflict("the record is not a draft", column="state",
                           expected="draft", found=state)
    else:
        if record.user == signer.name:
            raise PermissionDenied("nobody reviews or approves their own record",
                                   column="user", expected="someone other than the author",
                                   found=signer.name)
        if state != "in review":
            raise Conflict(f"the record cannot be signed {meaning} now", column="state",
                           expected="in review (the author signs it as authored first)",
                           found=state)
        if meaning == "reviewed" and any(s.meaning == "reviewed" and s.user == signer.name
                                         for s in sigs):
            raise Conflict("you have reviewed this version already", column="meaning",
                           expected="one review per reviewer", found="reviewed")
        if meaning == "approved" and not any(s.meaning == "reviewed" for s in sigs):
            raise Conflict("the record has not been reviewed", column="state",
                           expected="a reviewer's signature first", found="no review")
    if not signer.full_name:
        raise QbdInputError("a printed full name is required to sign", column="full_name",
                            expected="an admin sets it: qbdkit user name NAME --full-name …",
                            found=signer.name)
    return record, sigs, state, latest


def _sign(session, project, kind, key, version, meaning, signer, reason) -> Signed:
    record, _sigs, state, latest = _check(session, project, kind, key, version, meaning,
                                          signer)
    now = utcnow()
    entry = append_entry(
        session, user=signer.name, action="record.sign", project=project,
        entity=f"record:{kind}/{key}", old={"state": state},
        new={"kind": kind, "key": key, "version": latest, "meaning": meaning,
             "user": signer.name, "full_name": signer.full_name,
             "content_sha256": record.sha256},
        reason=reason or meaning)
    session.add(Signature(record_id=record.id, user=signer.name, full_name=signer.full_name,
                          meaning=meaning, at=now, content_sha256=record.sha256,
                          reason=reason or "", entry_id=entry.id))
    session.flush()
    new_state = state_of(record, _signatures(session, record.id), latest)
    from qbdkit.store.chain import utc_text

    return Signed(project, kind, key, latest, meaning, signer.name, signer.full_name,
                  utc_text(now), record.sha256, new_state)


def signable_meanings(project: str, kind: str, key: str, *, user: str,
                      url: str | None = None) -> list[str]:
    """The meanings ``user`` could sign the newest version of ``kind/key`` with now (the
    signing dialog offers these): the same checks as :func:`sign` (role, state, separation of
    duties), without the password and without storing anything."""
    out = []
    with transaction(url, write=False) as session:
        for meaning in MEANINGS:
            try:
                signer = require(session, user, _RIGHT[meaning])
                _check(session, project, kind, key, None, meaning, signer)
            except QbdInputError:
                continue
            out.append(meaning)
    return out


@dataclass(frozen=True)
class SignatureCheck(Result):
    """Each signature of a project's records checked against its record's content now."""

    project: str
    signatures: list[dict[str, Any]]

    @property
    def valid(self) -> bool:
        return all(s["valid"] for s in self.signatures)

    def summary(self) -> str:
        if not self.signatures:
            return f"project {self.project}: no signatures"
        return format_table(
            ["record", "version", "meaning", "signed by", "at (UTC)", "matches content"],
            [[f"{s['kind']}/{s['key']}", s["version"], s["meaning"],
              f"{s['full_name']} ({s['user']})", s["at"],
              "yes" if s["valid"] else "NO — content changed"] for s in self.signatures])


def verify_signatures(project: str, *, user: str | None = None,
                      url: str | None = None) -> SignatureCheck:
    """Recompute each signed record's SHA-256 from its stored content and compare."""
    with transaction(url, write=False) as session:
        if user is not None:
            require(session, user, "read")
        proj = find_project(session, project)
        rows = []
        for record in session.scalars(select(Record).where(Record.project_id == proj.id)
                                      .order_by(Record.id)):
            actual = sha256_text(record.content)
            for s in session.scalars(select(Signature).where(Signature.record_id == record.id)
                                     .order_by(Signature.id)):
                rows.append({"kind": record.kind, "key": record.key, "version": record.version,
                             **signature_dict(s), "valid": s.content_sha256 == actual})
        return SignatureCheck(project, rows)
