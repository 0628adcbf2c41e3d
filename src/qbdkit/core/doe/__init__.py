"""Design of experiments: design generation and evaluation (:mod:`.design`) and
analysis, optimization and design space (:mod:`.analysis`).

Everything public in both subpackages is importable from ``qbdkit.core.doe``.
"""

from qbdkit.core.doe.analysis import *  # noqa: F403
from qbdkit.core.doe.design import *  # noqa: F403
