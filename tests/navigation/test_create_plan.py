import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.audit.models import AuditEntry
from consilium.navigation.actions import plans as actions
from consilium.navigation.models import PlannedVisit, TreatmentPlan
from consilium.registry import actions as registry_actions
from tests.navigation.conftest import days

pytestmark = pytest.mark.django_db


def test_it_makes_the_visits_from_the_protocols_plan_template(personas, patient, protocol):
    plan = actions.create_plan_from_protocol(
        actor=personas["navigator"], patient=patient, version=protocol, start_date=days(-10)
    )
    rows = list(plan.visits.values_list("kind", "label", "date"))
    assert rows == [
        ("chemotherapy", "Cycle 1", days(-10)),
        ("chemotherapy", "Cycle 2", days(11)),
        ("chemotherapy", "Cycle 3", days(32)),
        ("surgery", "Resection", days(60)),
        ("follow_up", "Review", days(90)),
    ]
    assert plan.protocol_version == protocol
    assert AuditEntry.objects.filter(verb="navigation.plan_created").count() == 1


def test_it_refuses_a_protocol_not_adopted_at_the_childs_institution(personas, patient, protocol):
    protocol.adoptions.update(in_force_until=days(-1))
    with pytest.raises(ValidationError, match="adopted"):
        actions.create_plan_from_protocol(
            actor=personas["clinician"], patient=patient, version=protocol, start_date=days(0)
        )
    assert not TreatmentPlan.objects.exists()


def test_it_makes_a_plan_by_hand(personas, patient):
    plan = actions.create_plan_by_hand(
        actor=personas["clinician"],
        patient=patient,
        title="Radiotherapy",
        start_date=days(1),
        visits=[("radiotherapy", "Block 1", days(1))],
    )
    assert plan.visits.get().kind == "radiotherapy"


def test_it_refuses_a_visit_before_the_diagnosis(personas, make_patient):
    child = make_patient(diagnosed=days(-5))
    with pytest.raises(ValidationError, match="before the diagnosis"):
        actions.create_plan_by_hand(
            actor=personas["navigator"],
            patient=child,
            title="Induction",
            start_date=days(-4),
            visits=[("chemotherapy", "C1", days(-6))],
        )
    assert not TreatmentPlan.objects.exists()
    assert not PlannedVisit.objects.exists()


def test_it_refuses_a_plan_for_a_child_who_died(personas, patient):
    registry_actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="death",
        date=days(-3),
        death_cause="disease",
    )
    patient.refresh_from_db()
    with pytest.raises(ValidationError, match="died"):
        actions.create_plan_by_hand(
            actor=personas["navigator"], patient=patient, title="Induction", start_date=days(-2)
        )
    assert not TreatmentPlan.objects.exists()


def test_it_refuses_a_visit_after_death(personas, patient, plan):
    registry_actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="death",
        date=days(-1),
        death_cause="disease",
    )
    plan.patient.refresh_from_db()
    with pytest.raises(ValidationError, match="after the child's death"):
        actions.add_visit(actor=personas["navigator"], plan=plan, kind="follow_up", date=days(5))


def test_it_refuses_a_second_active_plan(personas, patient, plan):
    with pytest.raises(ValidationError, match="already has an active"):
        actions.create_plan_by_hand(
            actor=personas["navigator"], patient=patient, title="Again", start_date=days(0)
        )
    assert TreatmentPlan.objects.count() == 1


def test_it_refuses_a_patient_of_another_institution(personas, patient):
    for key in ("expert", "outsider", "coordinator", "admin"):
        with pytest.raises(PermissionDenied):
            actions.create_plan_by_hand(
                actor=personas[key], patient=patient, title="x", start_date=days(0)
            )
    assert not TreatmentPlan.objects.exists()


def test_it_refuses_a_template_with_a_bad_row(personas, patient, protocol):
    protocol.visit_schedule = [{"kind": "chemotherapy", "day": -3}]
    protocol.save(update_fields=["visit_schedule"])
    with pytest.raises(ValidationError):
        actions.create_plan_from_protocol(
            actor=personas["navigator"], patient=patient, version=protocol, start_date=days(0)
        )
    assert not TreatmentPlan.objects.exists()
    assert datetime.date  # keeps the import honest for readers of the dates above
