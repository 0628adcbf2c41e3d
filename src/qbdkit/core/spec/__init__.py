"""Specifications (spec): proposing acceptance criteria for quality attributes from release
and stability data, clinical experience and guidance limits.

:func:`~qbdkit.core.spec.proposal.propose_specification` → :class:`SpecProposal`.
"""

from qbdkit.core.spec.proposal import SpecProposal, propose_specification, release_interval

__all__ = ["SpecProposal", "propose_specification", "release_interval"]
