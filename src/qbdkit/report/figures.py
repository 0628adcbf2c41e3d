"""SVG figures of a report as PNG: for DOCX pictures and for the PDF.

Matplotlib SVGs are large (one element per marker, path and glyph run); WeasyPrint styles and
draws every element in Python, which made a 40-page demo PDF take over 10 s of CPU for its
23 figures alone. Drawn once with ``rsvg-convert`` (librsvg, C; Debian ``librsvg2-bin``) they
cost ~0.1 s each, two at a time. Without ``rsvg-convert`` DOCX falls back to CairoSVG and the
PDF keeps the vector SVG.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Sequence

DPI = 150


def rsvg() -> str | None:
    """Path of ``rsvg-convert`` or None."""
    return shutil.which("rsvg-convert")


def png_width(png: bytes) -> int:
    """Width in pixels from the PNG's IHDR chunk."""
    return struct.unpack(">I", png[16:20])[0]


def svg_to_png(svg: str, dpi: int = DPI, *, converter: str | None = None) -> tuple[bytes, int]:
    """PNG bytes of one SVG figure and its width in pixels: drawn by ``converter``
    (``rsvg-convert``) when given, else by CairoSVG."""
    if converter:
        done = subprocess.run([converter, "-d", str(dpi), "-p", str(dpi), "-f", "png",
                               "-b", "white"],
                              input=svg.encode("utf-8"), capture_output=True, timeout=120,
                              check=False)
        if done.returncode == 0 and done.stdout.startswith(b"\x89PNG"):
            return done.stdout, png_width(done.stdout)
    import cairosvg

    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), dpi=dpi, background_color="white")
    return png, png_width(png)


def svgs_to_png(svgs: Sequence[str], dpi: int = DPI, *, converter: str | None = None,
                ) -> list[tuple[bytes, int]]:
    """Every figure as ``(png, width in px)``; ``rsvg-convert`` (found on PATH unless
    ``converter`` names it) runs two at a time."""
    converter = converter or rsvg()
    if converter is None or len(svgs) < 2:
        return [svg_to_png(s, dpi, converter=converter) for s in svgs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda s: svg_to_png(s, dpi, converter=converter), svgs))
