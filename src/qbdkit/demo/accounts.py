"""Demo accounts for ``qbdkit serve --demo``: a multi-user store with one user per role.

The accounts are named after the roles (``scientist``, ``reviewer``, ``qa``, ``viewer``,
``admin``) and share one password: ``$QBDKIT_DEMO_PASSWORD`` when set, else a random one
(printed once by the command). Everything goes through the identity services
(:func:`~qbdkit.services.auth.secure_store`, :func:`~qbdkit.services.users.add_user`, and the
first sign-in that replaces the initial password), exactly as an administrator would.
"""

from __future__ import annotations

import os
import secrets

#: (user name, role, printed name)
DEMO_USERS: list[tuple[str, str, str]] = [
    ("scientist", "scientist", "Demo Scientist"),
    ("reviewer", "reviewer", "Demo Reviewer"),
    ("qa", "qa", "Demo QA"),
    ("viewer", "viewer", "Demo Viewer"),
]


def demo_password() -> tuple[str, bool]:
    """``(password, generated)``: ``$QBDKIT_DEMO_PASSWORD`` or a fresh random one."""
    given = os.environ.get("QBDKIT_DEMO_PASSWORD")
    if given:
        return given, False
    return "Demo-" + secrets.token_urlsafe(12), True


def make_demo_accounts(password: str, *, url: str) -> list[str]:
    """Secure the (new) store at ``url`` with ``admin`` and add the role accounts, all with
    ``password`` (policy-checked by the services); returns the user names."""
    from qbdkit.services.auth import login, logout, secure_store
    from qbdkit.services.users import add_user

    secure_store("admin", password, full_name="Demo Admin", reason="qbdkit serve --demo",
                 url=url)
    names = ["admin"]
    for name, role, full in DEMO_USERS:
        initial = "initial-" + secrets.token_urlsafe(12)
        add_user(name, role, user="admin", full_name=full, password=initial,
                 reason="qbdkit serve --demo", url=url)
        signed = login(name, initial, new_password=password, client="demo", url=url)
        logout(signed.token, url=url)
        names.append(name)
    return names
