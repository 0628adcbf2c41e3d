"""Typer commands: ``qbdkit <area> <verb>``. Thin: parse, call a service or core, render."""
