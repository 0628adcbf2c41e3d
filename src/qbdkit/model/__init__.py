"""The QbD domain model: schema (pydantic v2), unit vocabulary, consistency checks,
and the project folder (YAML + CSV/XLSX) with lossless load/save.

Abbreviations: QTPP (quality target product profile), QA / CQA ((critical)
quality attribute), CPP / WC-CPP / KPP / GPP (critical / well-controlled critical
/ key / general process parameter), NOR (normal operating range), PAR (proven
acceptable range), PPQ (process performance qualification), CPV (continued
process verification), SDM (scale-down model), DoE (design of experiments).
"""

from qbdkit.model.checks import Issue, check_parameter, check_project
from qbdkit.model.folder import (
    ProjectCheck,
    check_folder,
    load_project,
    project_documents,
    save_project,
)
from qbdkit.model.schema import (
    BATCH_KINDS,
    MODALITIES,
    STUDY_KINDS,
    Batch,
    Criterion,
    Criticality,
    Label,
    Material,
    MaterialAttribute,
    Measurement,
    Parameter,
    Process,
    Product,
    Project,
    QTPPElement,
    QualityAttribute,
    Range,
    Study,
    UnitOperation,
)
from qbdkit.model.units import UNITS, Unit, lookup_unit, normalize_unit


def validate_project(project: Project) -> list[Issue]:
    """Consistency issues of an in-memory project (e.g. one read back from the store)."""
    return check_project(project)


__all__ = [
    "BATCH_KINDS",
    "MODALITIES",
    "STUDY_KINDS",
    "UNITS",
    "Batch",
    "Criterion",
    "Criticality",
    "Issue",
    "Label",
    "Material",
    "MaterialAttribute",
    "Measurement",
    "Parameter",
    "Process",
    "Product",
    "Project",
    "ProjectCheck",
    "QTPPElement",
    "QualityAttribute",
    "Range",
    "Study",
    "Unit",
    "UnitOperation",
    "check_folder",
    "check_parameter",
    "check_project",
    "load_project",
    "lookup_unit",
    "normalize_unit",
    "project_documents",
    "save_project",
    "validate_project",
]
