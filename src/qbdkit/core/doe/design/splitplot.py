"""Split-plot designs for hard-to-change factors (issue 17).

When some factors are hard to change between runs (bioreactor temperature or pH set for a
whole culture, a column resin, a pulp preparation), the experiment is run in **whole plots**:
each whole plot fixes one setting of the hard-to-change (whole-plot) factors, and the
easy-to-change (subplot) factors are varied within it. Randomisation is restricted: the order
of the whole plots is randomised, and the order of the runs within each whole plot
(Montgomery, *Design and Analysis of Experiments*, 8th ed., §14.4; Jones & Nachtsheim 2009,
"Split-plot designs: what, why, and how", *J. Quality Technology* 41:340).

Here the whole-plot treatments are the full factorial of the whole-plot factors (numeric at
low/high or at their given ``levels``, categorical at every level), each repeated
``replicates`` times; every whole plot holds the full factorial of the subplot factors. The
analysis (:mod:`qbdkit.core.doe.analysis.splitplot`) fits the whole plot as a random effect by
REML. The run sheet's ``block`` column holds the whole-plot number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbdkit.core.doe.design.classical import DesignError, full_factorial
from qbdkit.core.doe.design.factors import FactorSpace, make_space
from qbdkit.core.result import Result, format_table


@dataclass(frozen=True)
class SplitPlotDesign(Result):
    """A split-plot design in run order; ``block`` is each run's whole plot."""

    type: str
    factors: list[dict]
    whole_plot_factors: list[str]
    subplot_factors: list[str]
    runs: list[dict]
    coded: list[list]
    run_order: list[int]
    std_order: list[int]
    block: list[int]
    n_whole_plots: int
    seed: int
    notes: list[str]
    responses: list[dict] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    source: dict | None = None

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    def summary(self) -> str:
        names = [f["name"] for f in self.factors]
        lines = [f"split-plot design: {self.n_runs} runs in {self.n_whole_plots} whole plots "
                 f"(seed {self.seed})",
                 "  whole-plot (hard-to-change) factors: " + ", ".join(self.whole_plot_factors),
                 "  subplot factors: " + (", ".join(self.subplot_factors) or "none")]
        lines += [f"  {n}" for n in self.notes]
        rows = [[self.run_order[i], self.std_order[i], self.block[i]] + [r[n] for n in names]
                for i, r in enumerate(self.runs)]
        lines.append(format_table(["run", "std", "whole plot", *names], rows))
        return "\n".join(lines)


def split_plot_design(space: FactorSpace, hard: Sequence[str], *, replicates: int = 1,
                      whole_plots: int | None = None, seed: int = 1,
                      randomize: bool = True) -> SplitPlotDesign:
    """Whole plots = the factorial of the ``hard`` factors × ``replicates`` (or ``whole_plots``,
    a multiple of the number of whole-plot treatments); subplots = the factorial of the others.
    Whole-plot order and run order within each whole plot are randomised with ``seed``."""
    hard = list(dict.fromkeys(hard))
    unknown = [h for h in hard if h not in space.names]
    if unknown:
        raise DesignError(f"unknown hard-to-change factor {unknown[0]!r}: factors are "
                          + ", ".join(space.names))
    if not hard:
        raise DesignError("a split-plot design needs at least one hard-to-change factor "
                          "(--hard-to-change NAMES)")
    easy = [f.name for f in space.factors if f.name not in hard]
    if space.constrained:
        raise DesignError("split-plot designs do not take constraints or disallowed combinations")
    wp_space = make_space([space.factors[space.index(h)] for h in hard])
    wp = full_factorial(wp_space).coded
    sp = full_factorial(make_space([space.factors[space.index(e)] for e in easy])).coded if easy \
        else np.zeros((1, 0))
    if whole_plots is not None:
        if whole_plots < len(wp) or whole_plots % len(wp):
            raise DesignError(f"--whole-plots must be a multiple of the {len(wp)} whole-plot "
                              f"treatments, not {whole_plots}")
        replicates = whole_plots // len(wp)
    if replicates < 1:
        raise DesignError("replicates must be at least 1")
    note_rep = ("each whole-plot treatment appears once: the whole-plot error has no degrees of "
                "freedom for a model with all whole-plot effects; use --replicates 2") \
        if replicates == 1 else ""
    rng = np.random.default_rng(seed)
    n_wp = len(wp) * replicates
    wp_treat = np.tile(np.arange(len(wp)), replicates)
    order_wp = rng.permutation(n_wp) if randomize else np.arange(n_wp)
    idx = {n: j for j, n in enumerate(space.names)}
    coded_rows, std, plots = [], [], []
    for plot_no, w in enumerate(order_wp, start=1):
        t = wp_treat[w]
        within = rng.permutation(len(sp)) if randomize else np.arange(len(sp))
        for s in within:
            row = np.zeros(space.k)
            for j, h in enumerate(hard):
                row[idx[h]] = wp[t, j]
            for j, e in enumerate(easy):
                row[idx[e]] = sp[s, j]
            coded_rows.append(row)
            std.append(int(w * len(sp) + s + 1))
            plots.append(plot_no)
    coded = np.array(coded_rows)
    notes = [f"{n_wp} whole plots ({len(wp)} whole-plot treatments × {replicates}), "
             f"{len(sp)} runs per whole plot; whole-plot order and run order within whole plots "
             f"randomised (seed {seed})"]
    if note_rep:
        notes.append(note_rep)
    factors = [{"name": f.name, "type": f.type, "low": f.low, "high": f.high, "unit": f.unit,
                "levels": list(f.levels)} for f in space.factors]
    return SplitPlotDesign(
        type="split-plot", factors=factors, whole_plot_factors=hard, subplot_factors=easy,
        runs=space.to_actual_rows(coded), coded=space.coded_labels(coded),
        run_order=list(range(1, len(coded) + 1)), std_order=std, block=plots,
        n_whole_plots=n_wp, seed=seed, notes=notes)
