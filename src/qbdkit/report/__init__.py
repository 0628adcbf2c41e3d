"""Render result objects to HTML reports (zh-CN and en)."""
