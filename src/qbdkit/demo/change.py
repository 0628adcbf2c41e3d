"""Demo stage: change control and comparability of the 2000 L → 5000 L scale-up.

Stores, in the demo project: change record CC-2026-007 (scale change classed by the rules kept
as data → moderate, with its comparability protocol), the tiered comparability analysis of
L01–L10 (pre) against P01–P03 (post) concluding per attribute and overall (tier 1 TOST,
tier 2 quality ranges, tier 3 graphical, accelerated aggregate slopes, PCA projection), the
change record's second version (implemented, linked to its analysis), and change record
CC-2026-009 that the CAPA of deviation DEV-2026-031 needs. Records link by name. Data:
``mab/change/`` (synthetic).
"""

from __future__ import annotations

from qbdkit.demo.stages import DemoContext

TIERS: dict[str, int] = {
    "Aggregate (%)": 1, "Acidic variants (%)": 2, "Main peak (%)": 2, "Afucosylation (%)": 2,
    "Galactosylation (%)": 2, "HCP (ng/mg)": 2, "Basic variants (%)": 3,
}
RECORDS: tuple[tuple[str, str], ...] = (
    ("change.classification", "CC-2026-007"), ("comparability.analysis", "CC-2026-007"),
    ("change.classification", "CC-2026-009"),
)


def run(d: DemoContext) -> None:
    from qbdkit.services.comparability import ChangeRequest, ComparabilityRequest
    from qbdkit.services.documents import load_request

    folder = d.project_dir / "change"
    change = load_request(ChangeRequest, folder / "CC-2026-007.yaml")
    cls = d.store("change.classification", change, "CC-2026-007")
    d.say(f"change: CC-2026-007 classed {cls.change_class}")
    comp = d.store("comparability.analysis", ComparabilityRequest(
        pre=folder / "pre_change_lots.csv", post=folder / "post_change_lots.csv",
        id_column="lot", tiers=TIERS, multivariate=True,
        stability=folder / "accelerated_pre_post.csv", stability_time="month",
        stability_value="Aggregate (%)", slope_margin=0.1, change="CC-2026-007"),
        "CC-2026-007")
    d.say(f"change: comparability of CC-2026-007: {comp.conclusion}")
    done = change.model_copy(update={
        "status": "implemented",
        "linked": [*change.linked, "comparability.analysis/CC-2026-007"]})
    d.store("change.classification", done, "CC-2026-007",
            reason=f"comparability concluded: {comp.conclusion}; change implemented")
    minor = d.store("change.classification",
                    load_request(ChangeRequest, folder / "CC-2026-009.yaml"), "CC-2026-009")
    d.say(f"change: CC-2026-009 classed {minor.change_class}")
