"""Every fixed text of the DoE pages has its zh-CN entry (domain "web")."""

import re
from pathlib import Path

from qbdkit.i18n import catalogue

WEB = Path(__file__).parents[2] / "src" / "qbdkit" / "web"
FIGURES = Path(__file__).parents[2] / "src" / "qbdkit" / "services" / "doe_figures.py"
#: msgids built at run time: record states, job states and kinds, model names, index sections
DYNAMIC = {"draft", "in review", "approved", "rejected", "superseded", "queued", "running",
           "done", "failed", "Project report", "linear", "interaction", "quadratic",
           "Designs", "Analyses", "Design spaces", "DoE"}


def _ids() -> set[str]:
    ids = set(DYNAMIC)
    for f in [*(WEB / "templates" / "doe").glob("*.html"), WEB / "templates" / "jobs" / "job.html"]:
        for m in re.finditer(r"""\bt\(\s*("([^"]*)"|'([^']*)')""", f.read_text(encoding="utf-8")):
            ids.add(m.group(2) or m.group(3))
    pages = (WEB / "pages" / "doe.py").read_text(encoding="utf-8")
    ids |= set(re.findall(r'\("[\w-]+", "([^"]+)"\)', pages))
    ids |= set(re.findall(r'flash="([^"]+)"', pages))
    ids |= set(re.findall(r'\bt\(\s*"([^"]+)"\s*(?:,|if)', FIGURES.read_text(encoding="utf-8")))
    return ids


def test_doe_pages_have_zh_entries():
    cat = catalogue("web", "zh")
    ids = _ids()
    assert len(ids) > 80
    missing = sorted(i for i in ids if i not in cat)
    assert not missing, missing
    for msgid in ids:
        assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", cat[msgid]))
