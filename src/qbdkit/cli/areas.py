"""Which sub-applications the ``qbdkit`` command has.

``(name, module, help)``: ``name`` None means the module's ``register(app)``
adds top-level commands (``init``, ``validate``, ``import``, ``export``, ``demo``).
"""

AREAS: list[tuple[str | None, str, str]] = [
    (None, "project", ""),      # init, validate            (qbdkit.model / templates)
    (None, "transfer", ""),     # import, export, user      (qbdkit.store / services)
    (None, "demo", ""),         # demo                      (qbdkit.demo)
    (None, "control", ""),      # control-strategy          (qbdkit.services.control)
    (None, "identity", ""),     # login, logout, passwd, sign, rerun, store, records
    (None, "report", ""),       # report                    (qbdkit.services.report)
    (None, "history", ""),      # diff                      (project versions, field level)
    (None, "web", ""),          # serve                     (qbdkit.web, FastAPI)
    ("audit", "audit", "Audit trail: show and verify the tamper-evident log."),
    ("project", "project_store", "Projects in the store: accept a record's proposed values (PAR/NOR, classes)."),
    ("risk", "risk", "Risk assessment: CQA criticality, FMEA (RPN, AP), C&E matrix, parameter classes."),
    ("doe", "doe", "Design of experiments: design, evaluate, analyze, optimize, design space."),
    ("sdm", "sdm", "Scale-down model qualification: at-scale vs small-scale comparability."),
    ("mvda", "mvda", "Multivariate data analysis: PCA, PLS, OPLS, batch models."),
    ("cpv", "cpv", "Continued process verification: control charts, capability, Hotelling T², the periodic review of a project."),
    ("stability", "stability", "Stability: ICH Q1E shelf life, extrapolation, out-of-trend checks, study records."),
    ("comparability", "comparability", "Comparability after a change (ICH Q5E): tiered analysis."),
    ("change", "change", "Change control: class a change and give its comparability protocol."),
    ("spec", "spec", "Specifications: tolerance intervals (normal exact/Howe, nonparametric, batch random effect), proposal from a project's release data."),
    ("ppq", "ppq", "Process performance qualification: protocol from the control strategy, evaluation, viral clearance."),
    ("ops", "operations", "Operations: working-day deadlines, service requests and KPIs, deviations/CAPA, donors, chain of identity, shipments, release, cleaning limits, timelines."),
]
