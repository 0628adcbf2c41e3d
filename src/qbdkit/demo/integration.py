"""Demo stages that span areas: importing the project into the store (with its
overview section) and the audit-trail section (log + verification)."""

from __future__ import annotations

from pathlib import Path

from qbdkit.report import html as h


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
    from qbdkit.model.overview import project_overview
    from qbdkit.services.projects import import_project

    imported = import_project(project_dir, user=user, reason="qbdkit demo: load bundled mAb project",
                              url=url)
    project = load_project(project_dir)
    stored = _store_risk(imported.project, project_dir, url=url, user=user)
    en = project_overview(project, "en")
    zh = project_overview(project, "zh")
    p = en.product
    body = [
        f"<p><b>{h.esc(en.title)}</b> / {h.esc(zh.title)}</p>",
        f"<p>{h.esc(project.description or '')}</p>",
        h.table(["product", "modality", "dosage form", "route", "dose"],
                [[p["name"], p["modality"], p["dosage_form"], p["route"], p["dose"]]]),
        f'<p class="note">{h.esc(imported.summary())}</p>',
        f'<p class="note">Risk assessments stored as versioned records: '
        f'{h.esc(", ".join(f"{k} v{v}" for k, v in stored.items()) or "none")}</p>',
        "<h3>QTPP</h3>",
        h.table(["element", "要素", "target", "linked attributes"],
                [[e[0], z[0], e[1], e[2]] for e, z in zip(en.qtpp, zh.qtpp, strict=True)]),
        "<h3>Quality attributes</h3>",
        h.table(["attribute", "质量属性", "category", "method", "acceptance", "CQA", "score"],
                [[e[0], z[0], *e[1:]] for e, z in zip(en.attributes, zh.attributes, strict=True)],
                row_classes=["bad" if e[4] == "yes" else "" for e in en.attributes]),
        "<h3>Process parameters (studied range ⊃ PAR ⊃ NOR ⊃ set point)</h3>",
    ]
    rows = [[e[0], e[1], z[1], *e[2:]] for e, z in zip(en.parameters, zh.parameters, strict=True)
            if any(e[3:7])]
    body.append(h.table(["unit operation", "parameter", "参数", "unit", "set point", "NOR", "PAR",
                         "studied", "class"], rows))
    unset = len(en.parameters) - len(rows)
    if unset:
        body.append(f'<p class="note">{unset} further template parameters have no set point or '
                    "range yet in this project.</p>")
    if en.batches:
        body.append("<h3>Batches</h3>")
        body.append(h.table(["kind", "batches"], sorted(en.batches.items())))
        body.append(f'<p class="note">{en.counts["measurements"]} measurements in long form.</p>')
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
