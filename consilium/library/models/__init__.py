"""The library's models, one module per part: documents and their review, adoption by
institutions, compliance audits of procedures, and molecular diagnostics send-outs."""

from consilium.library.models.adoption import Acknowledgement, Adoption
from consilium.library.models.compliance import (
    AuditRound,
    Checklist,
    ChecklistItem,
    Observation,
    ObservationResult,
)
from consilium.library.models.documents import (
    PUBLISHED_STATUSES,
    Document,
    DocumentKind,
    DocumentVersion,
    Review,
    ReviewComment,
    ReviewDecision,
    VersionFile,
    VersionStatus,
)
from consilium.library.models.sendouts import (
    DEFAULT_MARKER,
    STATUS_ORDER,
    Fixation,
    MolecularTest,
    SampleType,
    SendOut,
    SendOutEvent,
    SendOutStatus,
    Temperature,
)
from consilium.library.models.treatments import TreatmentProtocol

__all__ = [
    "DEFAULT_MARKER",
    "PUBLISHED_STATUSES",
    "STATUS_ORDER",
    "Acknowledgement",
    "Adoption",
    "AuditRound",
    "Checklist",
    "ChecklistItem",
    "Document",
    "DocumentKind",
    "DocumentVersion",
    "Fixation",
    "MolecularTest",
    "Observation",
    "ObservationResult",
    "Review",
    "ReviewComment",
    "ReviewDecision",
    "SampleType",
    "SendOut",
    "SendOutEvent",
    "SendOutStatus",
    "Temperature",
    "TreatmentProtocol",
    "VersionFile",
    "VersionStatus",
]
