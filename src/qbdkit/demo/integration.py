"""Demo stages that span areas: importing the project into the store (with its
overview section) and the audit-trail section (log + verification)."""

from __future__ import annotations

from pathlib import Path

from qbdkit.report import html as h


def _label(item, lang: str = "en") -> str:
    label = getattr(item, "label", None)
    text = getattr(label, lang, None) if label is not None else None
    return text or getattr(item, "name", "")


def _range(r) -> str:
    if r is None or (r.low is None and r.high is None):
        return ""
    lo = "" if r.low is None else h.fmt(r.low)
    hi = "" if r.high is None else h.fmt(r.high)
    return f"{lo} – {hi}"


def _criteria(qa) -> str:
    parts = []
    for c in qa.acceptance:
        if c.text:
            body = c.text
        elif c.low is not None and c.high is not None:
            body = f"{h.fmt(c.low)}–{h.fmt(c.high)}"
        elif c.high is not None:
            body = f"≤ {h.fmt(c.high)}"
        elif c.low is not None:
            body = f"≥ {h.fmt(c.low)}"
        else:
            body = ""
        unit = f" {c.unit or qa.unit or ''}".rstrip() if not c.text else ""
        parts.append(f"{c.stage + ': ' if c.stage else ''}{body}{unit}")
    return "; ".join(parts)


def _store_risk(project: str, project_dir: Path, *, url: str, user: str) -> dict[str, int]:
    """Store the demo's risk assessments (``risk/``) as project records with history."""
    folder = project_dir / "risk"
    if not folder.is_dir():
        return {}
    from qbdkit.services.risk import store_folder

    return store_folder(project, folder, user=user, reason="qbdkit demo: risk assessments",
                        url=url)


def project_section(project_dir: Path, out_dir: Path, *, url: str, user: str) -> tuple[str, str]:
    """Import ``project_dir`` into the store at ``url``; return (HTML section, project name)."""
    from qbdkit.model import load_project
    from qbdkit.services.projects import import_project

    imported = import_project(project_dir, user=user, reason="qbdkit demo: load bundled mAb project",
                              url=url)
    project = load_project(project_dir)
    stored = _store_risk(imported.project, project_dir, url=url, user=user)
    p = project.product
    body = [
        f"<p><b>{h.esc(_label(project))}</b> / {h.esc(_label(project, 'zh'))}</p>",
        f"<p>{h.esc(project.description or '')}</p>",
        h.table(["product", "modality", "dosage form", "route", "dose"],
                [[_label(p), p.modality, p.dosage_form, p.route, p.dose]]),
        f'<p class="note">{h.esc(imported.summary())}</p>',
        f'<p class="note">Risk assessments stored as versioned records: '
        f'{h.esc(", ".join(f"{k} v{v}" for k, v in stored.items()) or "none")}</p>',
        "<h3>QTPP</h3>",
        h.table(["element", "要素", "target", "linked attributes"],
                [[_label(q), _label(q, "zh"), q.target, ", ".join(q.attributes)]
                 for q in project.qtpp]),
        "<h3>Quality attributes</h3>",
        h.table(["attribute", "质量属性", "category", "method", "acceptance", "score", "CQA"],
                [[_label(qa), _label(qa, "zh"), qa.category, qa.method, _criteria(qa),
                  qa.criticality.score if qa.criticality else None,
                  qa.criticality.critical if qa.criticality else None]
                 for qa in project.quality_attributes]),
        "<h3>Process parameters (studied range ⊃ PAR ⊃ NOR ⊃ set point)</h3>",
    ]
    rows = []
    unset = 0
    for op in project.process.unit_operations:
        for prm in op.parameters:
            if prm.set_point is None and not any((prm.nor, prm.par, prm.studied)):
                unset += 1
                continue
            rows.append([_label(op), _label(prm), prm.unit, prm.set_point, _range(prm.nor),
                         _range(prm.par), _range(prm.studied),
                         prm.classification if isinstance(prm.classification, str)
                         else getattr(prm.classification, "value", prm.classification)])
    body.append(h.table(["unit operation", "parameter", "unit", "set point", "NOR", "PAR",
                         "studied", "class"], rows))
    if unset:
        body.append(f'<p class="note">{unset} further template parameters have no set point or '
                    "range yet in this project.</p>")
    if project.batches:
        kinds: dict[str, int] = {}
        for b in project.batches:
            kinds[b.kind] = kinds.get(b.kind, 0) + 1
        body.append("<h3>Batches</h3>")
        body.append(h.table(["kind", "batches"], sorted(kinds.items())))
        body.append(f'<p class="note">{len(project.measurements)} measurements in long form.</p>')
    return h.section("Project and modality template", "\n".join(body), anchor="project"), \
        imported.project


def audit_section(project: str, *, url: str) -> str:
    """The project's audit trail and the verification of the whole hash chain."""
    from qbdkit.services.audit import audit_log, brief, verify_audit

    report = verify_audit(url=url)
    log = audit_log(project, url=url)
    entries = log.entries[-30:]
    cls = "good" if report.intact else "bad"
    body = [
        f'<table class="data"><tr class="{cls}"><td>{h.esc(report.summary())}</td></tr></table>',
        f'<p class="note">Showing the last {len(entries)} of {len(log.entries)} entries for '
        f"project {h.esc(project)}; every entry carries a SHA-256 over its content and the "
        "previous entry's hash (qbdkit audit verify).</p>",
        h.table(["id", "at (UTC)", "user", "action", "entity", "old → new", "reason"],
                [[e["id"], e["at"], e["user"], e["action"], e["entity"],
                  f"{brief(e['old'])} → {brief(e['new'])}", e["reason"]] for e in entries]),
    ]
    return h.section("Audit trail", "\n".join(body), anchor="audit")
