"""The web application (issue 15): FastAPI + Jinja2 + htmx, server-rendered, on the same
services as the CLI — no logic of its own.

* :mod:`qbdkit.web.app` — :func:`~qbdkit.web.app.create_app` (routers of
  ``PAGE_MODULES`` / ``API_MODULES``, error mapping, security headers, static files).
* :mod:`qbdkit.web.deps` — who is signed in (:func:`~qbdkit.web.deps.current_user`), the
  service :class:`~qbdkit.services.base.Context`, CSRF protection.
* :mod:`qbdkit.web.templating` — :func:`~qbdkit.web.templating.render` and the Jinja
  environment (``t()``, ``csrf_token``, ``user``).
"""
