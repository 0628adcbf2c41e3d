"""Projects in the store: create, import a project folder, export it back.

``import`` loads a folder with :func:`qbdkit.model.load_project` and stores its
lossless JSON dump (``model_dump(mode="json")``, canonical text + SHA-256) as the
project's next version, together with every other file of the folder that the
model does not read (``risk/``, ``doe/``, ``sdm/`` … stored byte for byte, each
with its SHA-256), in ONE transaction with its audit entry: a failed import
leaves the database exactly as it was. Hidden files and folders (``.git``,
``.DS_Store``), ``__pycache__`` and the SQLite store's own file (``qbdkit import .``
with the default ``./qbdkit.sqlite``) are not stored. Importing a changed project adds
version n+1 and supersedes version n (which stays); its audit entry lists each changed
path old → new (:func:`field_changes`); importing identical content adds no version and
says so. :func:`project_diff` compares any two stored versions (``qbdkit diff P V1 V2``). ``export`` rebuilds the
model with ``Project.model_validate``, writes the stored files back and then the
model with :func:`qbdkit.model.save_project`, into a fresh folder (written beside the target
and renamed into place, so a failed export leaves nothing half-written).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError
from qbdkit.services.records import canonical_content, find_project
from qbdkit.services.users import require
from qbdkit.store import transaction
from qbdkit.store.chain import sha256_text, utc_text
from qbdkit.store.schema import Project, ProjectFile, ProjectVersion, Record, utcnow
from qbdkit.store.trail import append_entry


def _check_name(name: Any) -> str:
    """The project name, checked against the one rule every store backend applies.

    **Rule.** After removing surrounding spaces and normalising to Unicode NFC, a project
    name has 1–100 characters, each a letter of any script (Unicode category L: Latin,
    Greek, Cyrillic, CJK such as ``工艺表征`` …), a decimal digit (category Nd), a space,
    ``-``, ``_`` or ``.``; it starts with a letter or a digit (so never a hidden ``.name``
    nor an ``-name`` that reads as a command-line option). Names are compared exactly,
    case-sensitively, on SQLite and PostgreSQL alike (``mAb-1`` and ``MAB-1`` are two
    projects). Examples: ``mAb-1``, ``mAb-1 工艺表征``, ``demo-mab``, ``AAV_2.0``.
    Everything else (control characters, ``/``, ``\\``, quotes, emoji, more than 100
    characters) is a :class:`QbdInputError`.
    """
    import unicodedata

    longest = 100
    expected = ("1–100 letters, digits, spaces, '-', '_' or '.', starting with a letter or "
                "a digit")
    if not isinstance(name, str) or not name.strip():
        raise QbdInputError("empty project name", column="name", expected=expected,
                            found=name if isinstance(name, str) else type(name).__name__)
    text = unicodedata.normalize("NFC", name.strip())
    if len(text) > longest:
        raise QbdInputError("project name too long", column="name", expected=expected,
                            found=f"{len(text)} characters")
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        ok = category.startswith("L") or category == "Nd" or (i > 0 and ch in " -_.")
        if not ok:
            what = "first character" if i == 0 else f"character {i + 1}"
            raise QbdInputError(f"project name: {what} not allowed", column="name",
                                expected=expected, found=f"{ch!r} (U+{ord(ch):04X}) in {text!r}")
    return text


def _store_files(url: str | None) -> set[Path]:
    """The SQLite store's own files (never imported into themselves)."""
    from sqlalchemy.engine import make_url

    from qbdkit.store import resolve_url

    try:
        parsed = make_url(resolve_url(url))
    except Exception:  # reported when the store is opened
        return set()
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return set()
    base = Path(parsed.database).resolve()
    return {base, *(base.with_name(base.name + s) for s in ("-journal", "-wal", "-shm"))}


def area_files(directory: Path, *, exclude: set[Path] | frozenset[Path] = frozenset()
               ) -> dict[str, bytes]:
    """The files of a project folder that the model does not read, by relative POSIX path.

    The model reads ``project.yaml``, ``process.yaml`` and ``data/batches.*`` /
    ``data/measurements.*`` (see :mod:`qbdkit.model.folder`); everything else is an
    area's (``risk/fmea.csv``, ``doe/results.csv``, READMEs …). Hidden files and
    folders, ``__pycache__`` and the paths in ``exclude`` are left out.

    A symbolic link anywhere in the folder (to a file or a folder) is refused, as is any
    entry that is not a regular file or folder; each file is read with
    :func:`qbdkit.io.files.read_bytes` (``QBDKIT_MAX_FILE_MB`` per file). Links are never
    followed, so nothing outside the folder is stored.
    """
    from qbdkit.io.files import read_bytes, refuse_link
    from qbdkit.model import folder as layout

    model_files = {layout.PROJECT_FILE, layout.PROCESS_FILE}
    for stem in (layout.BATCH_STEM, layout.MEASUREMENT_STEM):
        for suffix in layout.DATA_SUFFIXES:
            model_files.add(f"{layout.DATA_DIR}/{stem}{suffix}")
    refuse_link(directory)
    found: list[tuple[str, Path]] = []

    def unreadable(exc: OSError) -> None:
        raise QbdInputError("cannot read folder", file=str(exc.filename or directory),
                            expected="a readable folder", found=exc.strerror)

    for top, dirs, files in os.walk(directory, onerror=unreadable, followlinks=False):
        base = Path(top)
        for d in sorted(dirs):
            if d.startswith(".") or d == "__pycache__":
                dirs.remove(d)
            else:
                refuse_link(base / d)
        for f in files:
            path = base / f
            rel = path.relative_to(directory)
            if f.startswith("."):
                continue
            refuse_link(path)
            key = rel.as_posix()
            if key not in model_files and path.resolve() not in exclude:
                found.append((key, path))
    return {key: read_bytes(path) for key, path in sorted(found)}


#: at most this many changed paths are written into one audit entry (the rest are counted)
MAX_AUDITED_CHANGES = 500


def field_changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """Every changed leaf between two project documents, as ``{"path", "old", "new"}`` with
    paths a scientist reads (``quality_attributes[Aggregates].acceptance[0].high``;
    :func:`qbdkit.core.diff.diff`)."""
    from qbdkit.core.diff import diff

    return [{"path": c.path, "old": c.old, "new": c.new} for c in diff(before, after)]


def _add_version(session: Session, project: Project, document: dict, *, user: str,
                 reason: str, action: str, source: str | None = None,
                 files: dict[str, bytes] | None = None) -> tuple[int, str, bool]:
    """Append the next version of ``project`` (and its files); returns (version, sha256,
    unchanged). Content identical to the newest version (document and files) adds nothing:
    ``(that version, its sha256, True)`` and no audit entry.

    The audit entry lists each changed path old → new: ``old``/``new`` carry ``{"fields":
    {path: value}}`` beside the version, SHA-256, changed top-level sections and the area
    files' hashes (``files``, which verification checks), so the audit log reads
    ``fields.quality_attributes[Aggregates].acceptance[0].high: 3 → 2.5``.
    """
    text = canonical_content(document, field="document")
    digest = sha256_text(text)
    files = files or {}
    file_hashes = {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}
    previous = session.scalar(
        select(ProjectVersion).where(ProjectVersion.project_id == project.id)
        .order_by(ProjectVersion.version.desc()).limit(1))
    old = None
    changed: list[str] = sorted(document) if isinstance(document, dict) else []
    changed_files = sorted(file_hashes)
    fields_old: dict[str, Any] = {}
    fields_new: dict[str, Any] = {}
    more = 0
    if previous is not None:
        before_files = dict(session.execute(
            select(ProjectFile.path, ProjectFile.sha256)
            .where(ProjectFile.version_id == previous.id)).all())
        changed_files = sorted(p for p in set(before_files) | set(file_hashes)
                               if before_files.get(p) != file_hashes.get(p))
        if previous.sha256 == digest and not changed_files:
            return previous.version, previous.sha256, True
        before = json.loads(previous.document)
        changed = sorted(k for k in set(before) | set(document)
                         if before.get(k) != document.get(k) or (k in before) != (k in document))
        changes = field_changes(before, document)
        for c in changes[:MAX_AUDITED_CHANGES]:
            fields_old[c["path"]] = c["old"]
            fields_new[c["path"]] = c["new"]
        more = max(0, len(changes) - MAX_AUDITED_CHANGES)
        for path in changed_files:
            fields_old[f"files/{path}"] = before_files.get(path)
            fields_new[f"files/{path}"] = file_hashes.get(path)
        old = {"version": previous.version, "sha256": previous.sha256, "fields": fields_old}
    version = 1 if previous is None else previous.version + 1
    row = ProjectVersion(project_id=project.id, version=version, document=text, sha256=digest,
                         at=utcnow(), user=user, reason=reason)
    session.add(row)
    session.flush()
    for path, data in sorted(files.items()):
        session.add(ProjectFile(version_id=row.id, path=path, content=data,
                                sha256=file_hashes[path]))
    new: dict[str, Any] = {"version": version, "sha256": digest, "changed_sections": changed,
                           "files": file_hashes}
    if previous is not None:
        new["fields"] = fields_new
        if more:
            new["more_changes"] = more
    if changed_files:
        new["changed_files"] = changed_files
    if source is not None:
        new["source"] = source
    append_entry(session, user=user, action=action, project=project.name,
                 entity=f"project:{project.name}", old=old, new=new, reason=reason)
    return version, digest, False


def create_project(name: str, *, user: str, reason: str, document: dict | None = None,
                   url: str | None = None) -> int:
    """Create project ``name`` (and its version 1 when ``document`` is given); returns its id.

    Raises :class:`QbdInputError` if the project exists or the user may not write.
    """
    name = _check_name(name)
    with transaction(url) as session:
        require(session, user, "write")
        if session.scalar(select(Project).where(Project.name == name)) is not None:
            raise QbdInputError("project already exists", column="project",
                                expected="a new project name (import a folder again to add a "
                                         "version)", found=name)
        project = Project(name=name, created_at=utcnow(), created_by=user)
        session.add(project)
        session.flush()
        append_entry(session, user=user, action="project.create", project=name,
                     entity=f"project:{name}", new={"name": name}, reason=reason)
        if document is not None:
            _add_version(session, project, document, user=user, reason=reason,
                         action="project.version")
        return project.id


@dataclass(frozen=True)
class ImportResult(Result):
    project: str
    version: int
    sha256: str
    unchanged: bool
    source: str
    files: list[str]

    def summary(self) -> str:
        if self.unchanged:
            return (f"{self.source}: same content as project {self.project!r} version "
                    f"{self.version}; no new version (sha256 {self.sha256})")
        return (f"imported {self.source} as project {self.project!r} version {self.version}, "
                f"with {len(self.files)} area file(s); sha256 {self.sha256}")


def _project_name(project: Any, directory: Path) -> str:
    for attr in ("name",):
        value = getattr(project, attr, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return directory.resolve().name


def import_project(directory: str | Path, *, user: str, reason: str | None = None,
                   url: str | None = None) -> ImportResult:
    """Load the project folder ``directory`` and store it as its project's next version.

    All or nothing: the project row (when new), the version and the audit entry
    are written in one transaction.
    """
    from qbdkit.model import load_project

    directory = Path(directory)
    with transaction(url, write=False) as session:  # the right first: no reading for nothing
        require(session, user, "write")
    if not directory.is_dir():
        raise QbdInputError("not a project folder", file=str(directory),
                            expected="a folder made by `qbdkit init` (YAML + data files)",
                            found="missing" if not directory.exists() else "a file")
    model = load_project(directory)
    document = model.model_dump(mode="json")
    files = area_files(directory, exclude=_store_files(url))
    name = _check_name(_project_name(model, directory))
    reason = reason or f"imported from {directory}"
    with transaction(url) as session:
        require(session, user, "write")
        project = session.scalar(select(Project).where(Project.name == name))
        if project is None:
            project = Project(name=name, created_at=utcnow(), created_by=user)
            session.add(project)
            session.flush()
            append_entry(session, user=user, action="project.create", project=name,
                         entity=f"project:{name}", new={"name": name}, reason=reason)
        version, digest, unchanged = _add_version(session, project, document, user=user,
                                                  reason=reason, action="project.import",
                                                  source=str(directory), files=files)
    return ImportResult(name, version, digest, unchanged, str(directory), sorted(files))


def project_document(name: str, version: int | None = None, *, url: str | None = None
                     ) -> dict[str, Any]:
    """``{"project","version","sha256","document","files","user","at","reason"}`` of one
    stored version (the newest when ``version`` is None); ``files`` maps each stored
    area file's relative path to its bytes."""
    with transaction(url, write=False) as session:
        project = find_project(session, name)
        query = select(ProjectVersion).where(ProjectVersion.project_id == project.id)
        if version is None:
            query = query.order_by(ProjectVersion.version.desc()).limit(1)
        else:
            query = query.where(ProjectVersion.version == version)
        row = session.scalar(query)
        if row is None:
            count = session.scalar(select(func.count()).where(
                ProjectVersion.project_id == project.id)) or 0
            raise QbdInputError("no such project version", column="version",
                                expected=f"1…{count}" if count else "a project with a version "
                                "(import a folder with `qbdkit import DIR`)",
                                found=version if version is not None else "none stored")
        files = dict(session.execute(
            select(ProjectFile.path, ProjectFile.content)
            .where(ProjectFile.version_id == row.id).order_by(ProjectFile.path)).all())
        return {"project": name, "version": row.version, "sha256": row.sha256,
                "document": json.loads(row.document), "files": files, "user": row.user,
                "at": utc_text(row.at), "reason": row.reason}


@dataclass(frozen=True)
class ExportResult(Result):
    project: str
    version: int
    sha256: str
    directory: str
    files: list[str]

    def summary(self) -> str:
        return (f"exported project {self.project!r} version {self.version} to {self.directory} "
                f"with {len(self.files)} area file(s) (sha256 {self.sha256})")


def export_project(name: str, directory: str | Path, *, version: int | None = None,
                   user: str | None = None, url: str | None = None,
                   deidentify: bool = False) -> ExportResult:
    """Write stored ``name`` (version ``version``, default newest) as a project folder.

    ``deidentify``: client, donor and patient identifiers (fields and table columns named so,
    :data:`qbdkit.services.backup.IDENTIFIER_NAMES`) are replaced by stable pseudonyms keyed
    with the store's key, for data leaving the platform (seed 001 §2.4).
    ``directory`` must not exist or be empty. Raises :class:`QbdInputError` otherwise,
    for an unknown project/version, or (when ``user`` is given) an unknown user.
    """
    from qbdkit.model import Project as ProjectModel
    from qbdkit.model import save_project

    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise QbdInputError("export target is not empty", file=str(directory),
                            expected="a new or empty folder", found="existing files")
    if user is not None:
        with transaction(url, write=False) as session:
            require(session, user, "read")
    stored = project_document(name, version, url=url)
    if deidentify:  # client, donor and patient identifiers → stable keyed pseudonyms
        from qbdkit.services.backup import (
            deidentify_document,
            deidentify_table_bytes,
            pseudonym_key,
        )

        key = pseudonym_key(url=url)
        stored["document"] = deidentify_document(stored["document"], key)
        stored["files"] = {rel: deidentify_table_bytes(rel, data, key)
                           for rel, data in stored["files"].items()}
    model = ProjectModel.model_validate(stored["document"])
    parent = directory.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qbdkit-export-", dir=parent))
    try:
        for rel, data in stored["files"].items():
            target = staging.joinpath(*rel.split("/"))
            if not target.resolve().is_relative_to(staging.resolve()):
                raise QbdInputError("stored file path leaves the export folder", column="path",
                                    expected="a relative path", found=rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        save_project(model, staging)
        if directory.exists():
            directory.rmdir()
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(name, stored["version"], stored["sha256"], str(directory),
                        sorted(stored["files"]))


@dataclass(frozen=True)
class ProjectList(Result):
    projects: list[dict]

    def summary(self) -> str:
        return format_table(["project", "versions", "records", "created (UTC)", "by"],
                            [[p["name"], p["versions"], p["records"], p["created_at"],
                              p["created_by"]] for p in self.projects])


def list_projects(*, url: str | None = None) -> ProjectList:
    """Every project with its number of versions and record versions."""
    with transaction(url, write=False) as session:
        out = []
        for p in session.scalars(select(Project).order_by(Project.id)):
            versions = session.scalar(select(func.count()).where(
                ProjectVersion.project_id == p.id)) or 0
            records = session.scalar(select(func.count()).where(Record.project_id == p.id)) or 0
            out.append({"name": p.name, "versions": int(versions), "records": int(records),
                        "created_at": utc_text(p.created_at), "created_by": p.created_by})
        return ProjectList(out)


@dataclass(frozen=True)
class ProjectDiff(Result):
    """Field-level differences between two stored versions of a project: ``changes`` is a
    list of ``{"path", "old", "new"}`` (document paths; area files as ``files/<path>`` with
    their SHA-256)."""

    project: str
    old_version: int
    new_version: int
    changes: list[dict]

    def summary(self) -> str:
        from qbdkit.core.diff import Change

        head = f"project {self.project}: version {self.old_version} → {self.new_version}"
        if not self.changes:
            return head + ": identical"
        lines = [f"{head}: {len(self.changes)} change(s)"]
        lines += ["  " + Change(c["path"], c["old"], c["new"]).summary() for c in self.changes]
        return "\n".join(lines)


def project_diff(name: str, old_version: int, new_version: int | None = None, *,
                 user: str | None = None, url: str | None = None) -> ProjectDiff:
    """Each changed path between two stored versions (``new_version`` None: the newest)."""
    if user is not None:
        with transaction(url, write=False) as session:
            require(session, user, "read")
    a = project_document(name, old_version, url=url)
    b = project_document(name, new_version, url=url)
    changes = field_changes(a["document"], b["document"])
    for path in sorted(set(a["files"]) | set(b["files"])):
        ha = None if path not in a["files"] else hashlib.sha256(a["files"][path]).hexdigest()
        hb = None if path not in b["files"] else hashlib.sha256(b["files"][path]).hexdigest()
        if ha != hb:
            changes.append({"path": f"files/{path}", "old": ha, "new": hb})
    return ProjectDiff(name, a["version"], b["version"], changes)


# ---- accepting a record's values into the project (issue 9 item 2) --------------------------


@dataclass(frozen=True)
class AcceptResult(Result):
    """What ``qbdkit project accept`` changed: each change as a field-level path, old → new."""

    project: str
    record: str
    version: int | None
    changes: list[dict]
    previous_version: int | None = None

    def summary(self) -> str:
        if self.version is None:
            return (f"accepting {self.record} changes nothing in project {self.project} "
                    f"(version {self.previous_version} already holds these values)")
        lines = [f"project {self.project} version {self.version} (from version "
                 f"{self.previous_version}) accepts {self.record}:"]
        lines += [f"  {c['path']}: {_show(c['old'])} → {_show(c['new'])}" for c in self.changes]
        return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict) and set(value) >= {"low", "high"}:
        return f"[{_show(value['low'])}, {_show(value['high'])}]"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _tidy(value: Any) -> Any:
    """Numbers rounded to 10 significant digits (grid values such as 36.309999999999995)."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def _nesting_problems(param: dict, where: str) -> list[str]:
    """Breaks of set point ∈ NOR ⊆ PAR ⊆ studied range (ICH Q8(R2)) of one parameter dict."""
    from itertools import pairwise

    def rng(key: str) -> tuple[float | None, float | None] | None:
        r = param.get(key)
        return None if not r else (r.get("low"), r.get("high"))

    out = []
    chain = [(k, rng(k)) for k in ("nor", "par", "studied")]
    present = [(k, r) for k, r in chain if r is not None]
    for (ka, a), (kb, b) in pairwise(present):
        lo_bad = a[0] is not None and b[0] is not None and a[0] < b[0] - 1e-12
        hi_bad = a[1] is not None and b[1] is not None and a[1] > b[1] + 1e-12
        if lo_bad or hi_bad or (a[0] is None and b[0] is not None) or (
                a[1] is None and b[1] is not None):
            out.append(f"{where}: {ka.upper()} [{_show(a[0])}, {_show(a[1])}] is not inside "
                       f"{'the studied range' if kb == 'studied' else kb.upper()} "
                       f"[{_show(b[0])}, {_show(b[1])}]")
    sp = param.get("set_point")
    if isinstance(sp, int | float) and not isinstance(sp, bool):
        inner = next((r for _k, r in present), None)
        name = next((k for k, _r in present), None)
        if inner is not None and ((inner[0] is not None and sp < inner[0] - 1e-12)
                                  or (inner[1] is not None and sp > inner[1] + 1e-12)):
            out.append(f"{where}: the set point {sp:g} is not inside "
                       f"{'the studied range' if name == 'studied' else name.upper()} "
                       f"[{_show(inner[0])}, {_show(inner[1])}]")
    return out


def accept_record(project: str, kind: str, name: str, version: int | None = None,
                  ctx: Any = None, reason: str = "") -> AcceptResult:
    """Write a new version of ``project`` with the values record ``kind/name`` (version
    ``version``, default the newest) proposes — what its kind's ``accepts`` lists, e.g. the
    set point, NOR and PAR of a design space, or parameter classes after a DoE.

    Each change is audited with its field-level path, old → new, and the source record. The
    whole change is refused (:class:`QbdInputError`, naming the parameter) where a parameter
    would break set point ⊂ NOR ⊂ PAR ⊂ studied range, where a value names no parameter of the
    project, or where the project changed meanwhile; nothing is written then.
    """
    import copy

    from qbdkit.core.diff import diff
    from qbdkit.errors import Conflict
    from qbdkit.model import Project as ProjectModel
    from qbdkit.services.doe_project import resolve_parameter
    from qbdkit.services.kinds import get_kind
    from qbdkit.services.records import get_record

    user = getattr(ctx, "user", None)
    url = getattr(ctx, "url", None)
    if not (reason or "").strip():
        raise QbdInputError("a reason is required to change the project", column="reason",
                            expected="why the values are accepted", found=f"{kind}/{name}")
    k = get_kind(kind)
    if k.accepts is None:
        raise QbdInputError("records of this kind change nothing in the project", column="from",
                            expected="a kind that proposes project values (doe.design_space, "
                                     "doe.reassess …)", found=kind)
    record = get_record(project, kind, name, version, user=user, url=url)
    what = f"{kind}/{name} v{record['version']}"
    content = record["content"] if isinstance(record["content"], dict) else {}
    proposed = k.accepts(content.get("result") or {})
    stored = project_document(project, url=url)
    model = ProjectModel.model_validate(stored["document"])
    doc = copy.deepcopy(stored["document"])
    problems: list[Problem] = []
    touched: dict[tuple[int, int], str] = {}
    for change in proposed:
        try:
            uo, p = resolve_parameter(model, change["parameter"], change.get("factor"))
        except QbdInputError as exc:
            problems.append(Problem(f"{change.get('factor') or change['parameter']}: "
                                    f"{exc.first.message}", None, None, "parameter",
                                    exc.first.expected, exc.first.found))
            continue
        i = next(j for j, u in enumerate(doc["process"]["unit_operations"]) if u["name"] == uo.name)
        params = doc["process"]["unit_operations"][i]["parameters"]
        j = next(j for j, q in enumerate(params) if q["name"] == p.name)
        target = params[j]
        value = _tidy(change["value"])
        if change["field"] in ("par", "nor", "studied"):
            old = target.get(change["field"]) or {}
            target[change["field"]] = {**{"low": None, "high": None, "unit": None}, **old,
                                       "low": value[0], "high": value[1]}
        else:
            target[change["field"]] = value
        touched[(i, j)] = (f"process.unit_operations[{uo.name}].parameters[{p.name}] "
                           f"({change.get('factor') or p.name})")
    for (i, j), where in touched.items():
        for text in _nesting_problems(doc["process"]["unit_operations"][i]["parameters"][j],
                                      where):
            problems.append(Problem(text, None, None, "parameter",
                                    "set point ⊂ NOR ⊂ PAR ⊂ studied range", what))
    if problems:
        raise QbdInputError(problems=problems)
    try:
        doc = ProjectModel.model_validate(doc).model_dump(mode="json")
    except Exception as exc:  # pydantic ValidationError: a value the model refuses
        raise QbdInputError(f"the accepted values do not fit the project model: {exc}"
                            .splitlines()[0], column="from", found=what) from None
    changes = [{"path": c.path, "old": c.old, "new": c.new}
               for c in diff(stored["document"], doc)]
    if not changes:
        return AcceptResult(project, what, None, [], stored["version"])
    with transaction(url) as session:
        require(session, user, "write")
        proj = find_project(session, project)
        latest = session.scalar(select(func.max(ProjectVersion.version)).where(
            ProjectVersion.project_id == proj.id))
        if latest != stored["version"]:
            raise Conflict("the project changed meanwhile", column="version",
                           expected=f"version {stored['version']} to be the latest (accept again)",
                           found=f"version {latest}")
        new_version, _digest, _same = _add_version(
            session, proj, doc, user=user, reason=reason, action="project.accept",
            source=f"record:{what}", files=stored["files"])
        for c in changes:
            append_entry(session, user=user, action="project.accept", project=project,
                         entity=f"project:{project}", old={"path": c["path"], "value": c["old"]},
                         new={"path": c["path"], "value": c["new"], "record": what,
                              "record_sha256": record["sha256"], "version": new_version},
                         reason=reason)
    return AcceptResult(project, what, new_version, changes, stored["version"])
