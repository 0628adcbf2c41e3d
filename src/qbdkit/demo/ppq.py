"""Demo stage: specification proposal, viral clearance, PPQ protocol and the evaluation of
the three PPQ batches.

* ``spec.proposal/aggregates`` — from the release results of the development, clinical and
  PPQ batches made before the end of PPQ, against the ≤ 3 % DS release limit;
* ``ppq.clearance/viral-clearance`` — the spiking studies of ``ppq/clearance.csv``;
* ``ppq.protocol/protocol`` — generated from the control strategy, with the study owners of
  the project's ``ppq/studies.csv``;
* ``ppq.evaluation/evaluation`` — ``ppq/results.csv`` against the protocol, with the initial
  CPV limits handed over to continued process verification.
"""

from __future__ import annotations

from qbdkit.demo.stages import DemoContext

#: the end of PPQ: the specification is proposed from the batches made until then
PPQ_END = "2026-02-28"
#: retrovirus-like particles per mL of unprocessed bulk (TEM) and harvest volume per dose
#: (10 mg/kg × 70 kg at ≈ 5 g/L and 70 % yield ≈ 0.2 L), both synthetic
PARTICLES_PER_ML = 1.0e6
VOLUME_PER_DOSE_ML = 200.0


def run(d: DemoContext) -> None:
    from qbdkit.services.ppq import (
        ClearanceRequest,
        ppq_evaluate_for_project,
        ppq_protocol_for_project,
        spec_proposal_for_project,
    )

    folder = d.project_dir / "ppq"
    d.say("ppq: specification proposal for aggregates from the release data")
    spec, _ = spec_proposal_for_project(d.project, "aggregates", d.ctx, name="aggregates",
                                        reason="qbdkit demo", until=PPQ_END, decimals=1)
    d.say(f"ppq: proposed {spec.criterion}")
    clearance = d.store("ppq.clearance", ClearanceRequest(
        file=folder / "clearance.csv", particles_per_ml=PARTICLES_PER_ML,
        volume_per_dose_ml=VOLUME_PER_DOSE_ML), "viral-clearance")
    d.say(f"ppq: viral clearance stored ({type(clearance).__name__})")
    protocol, _ = ppq_protocol_for_project(d.project, d.ctx, name="protocol",
                                           reason="qbdkit demo")
    d.say(f"ppq: protocol with {protocol.n_batches} batches, "
          f"{len(protocol.acceptance)} acceptance criteria")
    evaluation, _ = ppq_evaluate_for_project(d.project, folder / "results.csv", d.ctx,
                                             name="evaluation", reason="qbdkit demo")
    d.say(f"ppq: evaluation of {len(evaluation.batches)} batches: "
          + ("PASS" if evaluation.passed else "FAIL"))
