"""Control strategy (control): from the design space (set point, NOR, PAR) and the risk
assessments (C&E, FMEA, DoE effects) to the table that says, per unit operation, how each
critical quality attribute is controlled — and the hand-over of that table to process
performance qualification (ppq) and continued process verification (cpv).

* :mod:`~qbdkit.core.control.strategy` — the table and its named consistency checks;
* :mod:`~qbdkit.core.control.handover` — the PPQ attribute/parameter tables and the CPV
  item limits derived from a control strategy.

Vocabulary: cqa critical quality attribute; cpp / wc-cpp / kpp / gpp critical /
well-controlled critical / key / general process parameter; ipc in-process control; nor
normal operating range; par proven acceptable range.
"""

from qbdkit.core.control.handover import cpv_items, ppq_tables
from qbdkit.core.control.strategy import (
    CHECKS,
    CLASSES,
    ELEMENTS,
    ControlStrategy,
    control_strategy,
    range_text,
    spec_of,
)

__all__ = ["CHECKS", "CLASSES", "ELEMENTS", "ControlStrategy", "control_strategy", "cpv_items",
           "ppq_tables", "range_text", "spec_of"]
