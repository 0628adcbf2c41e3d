"""Project report benchmark (issue 9): ``qbdkit demo`` end to end, then ``qbdkit report`` of the
demo project as HTML, PDF and DOCX — wall time and peak memory of each command, as a user runs
them (a fresh ``qbdkit`` process each time).

* ours: ``qbdkit report demo-mab --format html|pdf|docx`` (PDF by WeasyPrint, figures drawn
  once by rsvg-convert; DOCX by python-docx);
* peer for the PDF: the same report as HTML printed to PDF by headless Chromium
  (``--print-to-pdf``), the other common HTML → PDF route; its time includes writing the HTML.
  Agreement: both PDFs' text (pdftotext) contains every numbered section heading.

Peak memory is the ``ru_maxrss`` of the finished command (``os.wait4``; Linux counts the
largest of the process and the children it waited for). Ours and the peer alternate,
``REPEATS`` times; min / median and the ours/peer ratio of medians are printed with the
targets: demo ≤ 30 s, HTML ≤ 5 s, PDF ≤ 20 s, peak ≤ 1 GB. Each command's CPU seconds are
printed too: on a shared, loaded machine wall time overstates what a user's idle machine takes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 3
TARGETS = {"demo": 30.0, "html": 5.0, "pdf": 20.0, "docx": 20.0}
TARGET_BYTES = 1 << 30
QBDKIT = str(Path(sys.executable).with_name("qbdkit"))


CPU: dict[str, list[float]] = {}


def run(cmd: list[str], env: dict[str, str], label: str = "") -> tuple[float, int, str]:
    """``(seconds, peak RSS bytes, stdout)`` of one command, reaped with ``os.wait4`` (its own
    rusage; its CPU seconds are kept in ``CPU[label]``); a non-zero exit stops the run."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        CPU.setdefault(label, []).append(usage.ru_utime + usage.ru_stime)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n"
                             f"{err.read().decode()[-2000:]}")
        return seconds, usage.ru_maxrss * 1024, out.read().decode()


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def stats(name: str, times: list[float], peaks: list[int], target: float,
          cpu: list[float]) -> float:
    med = statistics.median(times)
    ok = "ok" if med <= target and max(peaks) <= TARGET_BYTES else "OVER TARGET"
    print(f"{name:<22} wall min {min(times):6.2f} s, median {med:6.2f} s; CPU median "
          f"{statistics.median(cpu):6.2f} s; peak {max(peaks) / 2**20:6.1f} MB   "
          f"target ≤ {target:g} s, ≤ 1 GB: {ok}")
    return med


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    work = Path(tempfile.mkdtemp(prefix="qbdkit-bench-report-"))
    env = {**os.environ, "QBDKIT_CONFIG_DIR": str(work / "config")}
    env.pop("QBDKIT_DATABASE_URL", None)
    print(f"qbdkit report benchmark — {REPEATS} repeats, work folder {work}")

    demo_t, demo_m = [], []
    for i in range(REPEATS):
        s, m, _ = run([QBDKIT, "demo", "--out", str(work / f"demo{i}")], env, "demo")
        demo_t.append(s)
        demo_m.append(m)
    env["QBDKIT_DATABASE_URL"] = f"sqlite:///{work / 'demo0' / 'qbdkit.sqlite'}"

    times: dict[str, list[float]] = {k: [] for k in ("html", "pdf", "docx", "chromium pdf")}
    peaks: dict[str, list[int]] = {k: [] for k in times}
    meta: dict[str, dict] = {}
    for _ in range(REPEATS):
        for fmt in ("html", "pdf", "docx"):
            out = work / f"report.{fmt}"
            s, m, stdout = run([QBDKIT, "report", "demo-mab", "--format", fmt,
                                         "--out", str(out), "--json"], env, fmt)
            times[fmt].append(s)
            peaks[fmt].append(m)
            meta[fmt] = json.loads(stdout)
            if fmt == "pdf" and chromium:  # the peer, alternating with ours
                html = work / "peer.html"
                s1, m1, _ = run([QBDKIT, "report", "demo-mab", "--out", str(html)],
                                env, "peer html")
                s2, m2, _ = run([chromium, "--headless", "--no-sandbox",
                                          "--disable-gpu", "--no-pdf-header-footer",
                                          f"--print-to-pdf={work / 'peer.pdf'}",
                                          html.as_uri()], env, "peer chromium")
                times["chromium pdf"].append(s1 + s2)
                peaks["chromium pdf"].append(max(m1, m2))

    print(f"\nqbdkit demo end to end: min {min(demo_t):.2f} s, median "
          f"{statistics.median(demo_t):.2f} s, CPU median {statistics.median(CPU['demo']):.2f} s, "
          f"peak {max(demo_m) / 2**20:.1f} MB "
          f"(target ≤ {TARGETS['demo']:g} s: "
          f"{'ok' if statistics.median(demo_t) <= TARGETS['demo'] else 'OVER TARGET'})")
    pdf = meta["pdf"]
    print(f"report of demo-mab v{pdf['project_version']}: {len(pdf['sections'])} sections, "
          f"{pdf['tables']} tables, {pdf['figures']} figures, {len(pdf['records'])} records; "
          f"HTML {meta['html']['size'] / 1e3:.0f} kB, PDF {pdf['size'] / 1e3:.0f} kB, "
          f"DOCX {meta['docx']['size'] / 1e3:.0f} kB\n")
    med = {fmt: stats(f"qbdkit report --{fmt}", times[fmt], peaks[fmt], TARGETS[fmt], CPU[fmt])
           for fmt in ("html", "pdf", "docx")}
    if chromium:
        peer_cpu = [a + b for a, b in zip(CPU["peer html"], CPU["peer chromium"], strict=True)]
        peer = stats("html + chromium pdf", times["chromium pdf"], peaks["chromium pdf"],
                     TARGETS["pdf"], peer_cpu)
        print(f"\nPDF ours/peer ratio of medians: {med['pdf'] / peer:.2f} (of minima: "
              f"{min(times['pdf']) / min(times['chromium pdf']):.2f})")
        ours_text = re.sub(r"\s+", "", pdf_text(work / "report.pdf"))
        peer_text = re.sub(r"\s+", "", pdf_text(work / "peer.pdf"))
        missing = [h for h in pdf["sections"] if re.sub(r"\s+", "", h) not in ours_text
                   or re.sub(r"\s+", "", h) not in peer_text]
        pages = [re.search(r"Pages:\s+(\d+)", subprocess.run(
            ["pdfinfo", str(p)], capture_output=True, text=True).stdout).group(1)
            for p in (work / "report.pdf", work / "peer.pdf")]
        print(f"agreement: every section heading in both PDFs: {not missing} "
              f"({len(pdf['sections'])} headings; pages ours {pages[0]}, peer {pages[1]})")
        if missing:
            raise SystemExit(f"headings missing: {missing}")
    else:
        print("\nno chromium on PATH (`make sysdeps` installs it): the PDF peer is skipped")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
