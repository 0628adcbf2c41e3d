"""Every fixed text of the spec/PPQ modules has its zh-CN entry."""

import re
from pathlib import Path

import pytest

from qbdkit.core.ppq import batches, evaluate, protocol
from qbdkit.core.spec import proposal
from qbdkit.i18n import catalogue

SRC = Path(__file__).parents[2] / "src" / "qbdkit"


def _labels(pattern: str) -> set[str]:
    text = (SRC / "report" / "ppq.py").read_text(encoding="utf-8")
    return set(re.findall(pattern + r"\(\s*[\"']([^\"']+)[\"']", text))


def _ppq_ids() -> set[str]:
    ids = set(batches.MESSAGES) | set(evaluate.MESSAGES) | _labels(r"\bp") | _labels(r"_p")
    ids |= {s[2] for s in protocol.STUDIES} | {s[3] for s in protocol.STUDIES}
    ids |= set(protocol.STATUSES) | {"specification", "IPC limit", "PAR", "NOR", "record",
                                     "batch record", "release sample", "end of step",
                                     "meets", "does not meet", "not tested", "counted",
                                     "negligible (≤ 1 log)", "PPQ protocol", "PPQ evaluation",
                                     "Viral clearance"}
    return ids


def _spec_ids() -> set[str]:
    return (set(proposal.MESSAGES) | set(proposal.WORDS) | _labels(r"\bs") | _labels(r"_s")
            | {"exact", "howe", "noncentral-t", "hoffman-kringle", "satterthwaite",
               "tolerance interval", "clinical experience", "guidance limit",
               "stability tolerance interval", "Tolerance interval", "Specification proposal"})


@pytest.mark.parametrize(("domain", "ids"), [("ppq", _ppq_ids()), ("spec", _spec_ids())])
def test_catalogue_complete(domain, ids):
    cat = catalogue(domain, "zh")
    missing = sorted(i for i in ids if i not in cat)
    assert not missing, missing
    # placeholders survive translation
    for msgid in ids:
        assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", cat[msgid]))
