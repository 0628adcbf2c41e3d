"""Server-rendered pages, one module per area (listed in ``qbdkit.web.app.PAGE_MODULES``)."""
