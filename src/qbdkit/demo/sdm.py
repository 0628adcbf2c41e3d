"""The demo's scale-down model (sdm) qualification stage, stored as records.

From ``mab/sdm/`` (synthetic, :mod:`qbdkit.demo.synth_sdm`): the univariate comparison of
all small-scale runs with the at-scale batches (``sdm.compare/end-points``), the batch
evolution and level models of the daily trajectories with the small-scale runs projected
(``mvda.batch/trajectories``), a PCA of the at-scale end points with the small-scale runs
projected and coloured by vessel (``mvda.pca/end-points``), and — when a run leaves both
the ± 3 SD range (≥ 2 results) and the batch-evolution limits — the comparison without it
(``sdm.compare/end-points-without-<runs>``), that run set aside for investigation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REASON = "qbdkit demo: scale-down model qualification"


def requests(project_dir: Path) -> dict[str, Any]:
    """The demo's requests on ``project_dir/sdm/``."""
    from qbdkit.services.mvda import BatchRequest, PcaRequest
    from qbdkit.services.sdm import CompareRequest

    d = Path(project_dir) / "sdm"
    return {
        "all": CompareRequest(at_scale=d / "at_scale.csv", small_scale=d / "small_scale.csv"),
        "batch": BatchRequest(file=d / "trajectories_at_scale.csv", batch="batch", time="day",
                              predict=d / "trajectories_small_scale.csv"),
        "pca": PcaRequest(file=d / "at_scale.csv", id_column="batch", components="2",
                          predict=d / "small_scale.csv", color_by="scale"),
    }


def run(d: Any) -> None:
    """Store the demo's sdm records in ``d.project`` (see the module docstring)."""
    from qbdkit.report.sdm import flagged_runs

    reqs = requests(d.project_dir)
    d.say("sdm: at-scale vs small-scale end points (± 3 SD, TOST)")
    comparison = d.store("sdm.compare", reqs["all"], "end-points", REASON)
    d.say("sdm: batch evolution and batch level models")
    batches = d.store("mvda.batch", reqs["batch"], "trajectories", REASON)
    d.say("sdm: PCA of the end points, small-scale runs projected")
    d.store("mvda.pca", reqs["pca"], "end-points", REASON)
    flagged = flagged_runs(comparison, batches)
    if flagged:
        d.say(f"sdm: comparison without {', '.join(flagged)} (set aside for investigation)")
        d.store("sdm.compare", reqs["all"].model_copy(update={"exclude": flagged}),
                "end-points-without-" + "-".join(flagged),
                f"{REASON}: {', '.join(flagged)} set aside for investigation (≥ 2 results "
                "outside ± 3 SD, scores outside the batch-evolution limits)")
