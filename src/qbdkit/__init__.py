"""qbdkit: Quality-by-Design process characterization, process validation and CMC
quality risk management for biologics (mAb, ADC, cell and gene therapies).

Layers (imports point downward only): ``core`` (pure computation) → ``model``
(pydantic domain schema) → ``store`` (SQLAlchemy, audit trail) → ``services`` →
``cli`` / ``report``.
"""

from qbdkit.errors import QbdInputError

__version__ = "0.1.0"
__all__ = ["QbdInputError", "__version__"]
