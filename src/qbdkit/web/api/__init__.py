"""The JSON API under ``/api``, one module per area (``qbdkit.web.app.API_MODULES``)."""
