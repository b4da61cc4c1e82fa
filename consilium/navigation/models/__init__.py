"""Navigation's models: plans and visits, proposed abandonments, social risk, outreach."""

from consilium.navigation.models.abandonment import (
    INTERRUPTION_DAYS,
    AbandonmentStatus,
    ProposedAbandonment,
    SweepRun,
)
from consilium.navigation.models.outreach import (
    Contact,
    ContactKind,
    FamilyContact,
    OutreachTask,
    Support,
    SupportKind,
    TaskReason,
    TaskStatus,
)
from consilium.navigation.models.plans import (
    THERAPY_KINDS,
    PlannedVisit,
    PlanStatus,
    TherapyState,
    TreatmentPlan,
    VisitKind,
    VisitStatus,
)
from consilium.navigation.models.risk import (
    IncomeBand,
    Insurance,
    PhoneAccess,
    RiskBand,
    RiskWeights,
    SocialProfile,
)

__all__ = [
    "INTERRUPTION_DAYS",
    "THERAPY_KINDS",
    "AbandonmentStatus",
    "Contact",
    "ContactKind",
    "FamilyContact",
    "IncomeBand",
    "Insurance",
    "OutreachTask",
    "PhoneAccess",
    "PlanStatus",
    "PlannedVisit",
    "ProposedAbandonment",
    "RiskBand",
    "RiskWeights",
    "SocialProfile",
    "Support",
    "SupportKind",
    "SweepRun",
    "TaskReason",
    "TaskStatus",
    "TherapyState",
    "TreatmentPlan",
    "VisitKind",
    "VisitStatus",
]
