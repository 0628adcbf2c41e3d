"""The navigation bar: ``(path, msgid)`` per entry, one per line (areas add theirs).

Paths containing ``{project}`` are project-scoped: they appear (with the project's name
filled in) on the pages of one project. Entries under ``/admin/`` are shown to admins only —
hiding is a courtesy, the services check the role.
"""

NAV: list[tuple[str, str]] = [
    ("/projects", "Projects"),
    ("/audit", "Audit trail"),
    ("/admin/users", "Users"),
    ("/projects/{project}", "Overview"),
    ("/projects/{project}/risk", "Risk"),
    ("/projects/{project}/sdm", "Scale-down"),
    ("/projects/{project}/records", "Records"),
    ("/projects/{project}/report", "Report"),
]


def main_entries(role: str | None) -> list[tuple[str, str]]:
    """The entries of the top bar for a user of ``role``."""
    return [(p, m) for p, m in NAV if "{project}" not in p
            and (not p.startswith("/admin/") or role == "admin")]


def project_entries(project: str) -> list[tuple[str, str]]:
    """The entries of one project's tab bar, paths filled in (URL-quoted)."""
    from urllib.parse import quote

    return [(p.replace("{project}", quote(project, safe="")), m) for p, m in NAV
            if "{project}" in p]
