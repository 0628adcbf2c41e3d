"""Statistical process control for continued process verification (cpv): control charts
with run rules and phases (:mod:`.charts`), capability (:mod:`.capability`), multivariate
monitoring (:mod:`.multivariate`), the vectorised portfolio engine (:mod:`.portfolio`) and
the periodic review (:mod:`.review`)."""

from qbdkit.core.spc.capability import CapabilityResult, capability
from qbdkit.core.spc.charts import CHART_TYPES, ChartResult, Panel, Phase, Signal, control_chart
from qbdkit.core.spc.multivariate import T2Result, T2Signal, hotelling_t2, pca_monitoring
from qbdkit.core.spc.portfolio import PortfolioCharts, imr_portfolio
from qbdkit.core.spc.review import CpvReview, ItemReview, cpv_review
from qbdkit.core.spc.rules import RULES, parse_rules

__all__ = [
    "CHART_TYPES",
    "RULES",
    "CapabilityResult",
    "ChartResult",
    "CpvReview",
    "ItemReview",
    "Panel",
    "Phase",
    "PortfolioCharts",
    "Signal",
    "T2Result",
    "T2Signal",
    "capability",
    "control_chart",
    "cpv_review",
    "hotelling_t2",
    "imr_portfolio",
    "parse_rules",
    "pca_monitoring",
]
