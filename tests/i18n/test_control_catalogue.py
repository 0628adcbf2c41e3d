"""Every fixed text of the control strategy and of the CPV review section has its zh-CN
entry, with the same placeholders."""

import re

import pytest

from qbdkit.core.control import strategy
from qbdkit.i18n import catalogue
from qbdkit.report import control as report_control

CONTROL = (set(report_control.HEADERS) | set(report_control.ELEMENT_TEXT.values())
           | set(strategy.CHECKS) | set(strategy.MSGS) | set(strategy.WORDS)
           | {"release", "stability", "in-process", "Control strategy", "pass", "fail",
              "passed", "failed", "yes", "Check", "Result", "Findings", "Built from", "Basis",
              "Parameters", "Attributes", "Checks", "Label", "Class from", "Unit",
              "Justification", "Sources", "Tests", "Specification", "studied low",
              "studied high", "Studied range ⊃ PAR ⊃ NOR ∋ set point",
              "{cqas} CQAs, {parameters} parameters; checks: {state}."})
SPC = {"(off scale)", "Basis", "Batch disposition: batches with findings ({n} of {m})",
       "Built from", "Charts", "Data", "Date", "Disposition", "Limits", "NOR high", "NOR low",
       "New since", "PAR high", "PAR low", "Periodic product review summary", "Site",
       "Summary", "estimated", "given", "yes", "Continued process verification review",
       "{items} items × {batches} batches ({first} … {last}); {signals} signals, {new} new.",
       "ok", "OOS", "PAR excursion", "out of trend", "NOR excursion", "not capable",
       "new signals", "marginal capability", "too few results", "Initial limits",
       "Initial LCL", "Initial UCL"}


@pytest.mark.parametrize(("domain", "ids"), [("control", CONTROL), ("spc", SPC)])
def test_catalogue_complete(domain, ids):
    cat = catalogue(domain, "zh")
    assert not sorted(i for i in ids if i not in cat)
    for msgid in ids:
        assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", cat[msgid]))
