"""DoE design generation and evaluation (issue 4).

Families: full factorial (two- and mixed-level), minimum-aberration regular fractions
(:mod:`.catalogue`, proved by exhaustive search), Plackett-Burman, central composite, Box-Behnken,
definitive screening, D- and I-optimal by coordinate exchange, augmentation; evaluation
(efficiencies, VIF, aliasing, word-length pattern, power, fraction of design space); run sheets.

Mixture designs (simplex lattice, simplex centroid, extreme vertices, D-optimal mixture;
:mod:`.mixture`) start from :func:`make_mixture_design`; split-plot designs for hard-to-change
factors from :func:`split_plot_design` (:mod:`.splitplot`).

Start with :func:`make_design` (``qbdkit doe design``) and :func:`evaluate_design`
(``qbdkit doe evaluate``).
"""

from qbdkit.core.doe.design.classical import (
    DesignError,
    box_behnken,
    ccd_alpha,
    central_composite,
    definitive_screening,
    fractional_factorial,
    full_factorial,
    plackett_burman,
)
from qbdkit.core.doe.design.evaluate import (
    DesignEvaluation,
    evaluate_design,
    generalized_wlp,
)
from qbdkit.core.doe.design.factors import (
    Factor,
    FactorSpace,
    LinearConstraint,
    make_space,
    read_factors,
)
from qbdkit.core.doe.design.fractional import (
    alias_structure,
    generator_strings,
    word_length_pattern,
)
from qbdkit.core.doe.design.make import DESIGN_TYPES, Design, make_design
from qbdkit.core.doe.design.mixture import MixtureDesign, make_mixture_design
from qbdkit.core.doe.design.model import Model, build_model
from qbdkit.core.doe.design.optimal import boundary_points, coordinate_exchange
from qbdkit.core.doe.design.splitplot import SplitPlotDesign, split_plot_design

__all__ = [
    "DESIGN_TYPES",
    "Design",
    "DesignError",
    "DesignEvaluation",
    "Factor",
    "FactorSpace",
    "LinearConstraint",
    "MixtureDesign",
    "Model",
    "SplitPlotDesign",
    "alias_structure",
    "boundary_points",
    "box_behnken",
    "build_model",
    "ccd_alpha",
    "central_composite",
    "coordinate_exchange",
    "definitive_screening",
    "evaluate_design",
    "fractional_factorial",
    "full_factorial",
    "generalized_wlp",
    "generator_strings",
    "make_design",
    "make_mixture_design",
    "make_space",
    "plackett_burman",
    "read_factors",
    "split_plot_design",
    "word_length_pattern",
]
