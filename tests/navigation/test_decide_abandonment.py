import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.navigation.actions import abandonment as actions
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import sweep
from consilium.navigation.models import AbandonmentStatus, ProposedAbandonment, VisitStatus
from consilium.registry.models import FollowUpEvent
from tests.navigation.conftest import days, visit
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(personas, plan):
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C1"), status=VisitStatus.ATTENDED
    )
    sweep.run(now=at(days(0), 6))
    return ProposedAbandonment.objects.get()


def test_it_confirms_into_the_registry_as_an_abandonment_event(personas, proposal, patient):
    actions.confirm(actor=personas["data_manager"], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == AbandonmentStatus.CONFIRMED
    event = FollowUpEvent.objects.get(patient=patient, kind="abandonment")
    assert event.date == days(-35) and proposal.event == event
    patient.refresh_from_db()
    assert patient.abandonment_date == days(-35)  # what abandonment-sensitive survival reads


def test_confirming_closes_the_child_s_open_outreach_tasks(personas, proposal, patient):
    from consilium.navigation.models import OutreachTask, TaskStatus

    assert OutreachTask.objects.filter(patient=patient, status=TaskStatus.OPEN).exists()
    actions.confirm(actor=personas["data_manager"], proposal=proposal)
    assert not OutreachTask.objects.filter(patient=patient, status=TaskStatus.OPEN).exists()


def test_rejecting_leaves_the_outreach_tasks_open(personas, proposal, patient):
    from consilium.navigation.models import OutreachTask, TaskStatus

    open_tasks = OutreachTask.objects.filter(patient=patient, status=TaskStatus.OPEN).count()
    actions.reject(actor=personas["data_manager"], proposal=proposal, reason="Treated at K")
    still_open = OutreachTask.objects.filter(patient=patient, status=TaskStatus.OPEN)
    assert still_open.count() == open_tasks


def test_it_keeps_the_confirmed_date_when_the_child_comes_back(personas, proposal, plan):
    actions.confirm(actor=personas["data_manager"], proposal=proposal)
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C4"), status=VisitStatus.ATTENDED
    )
    proposal.refresh_from_db()
    assert proposal.returned_on == days(0)
    assert FollowUpEvent.objects.get(kind="abandonment").date == days(-35)


def test_it_rejects_with_a_reason(personas, proposal):
    actions.reject(actor=personas["data_manager"], proposal=proposal, reason="Treated at K")
    proposal.refresh_from_db()
    assert proposal.status == AbandonmentStatus.REJECTED and proposal.reason == "Treated at K"
    assert not FollowUpEvent.objects.filter(kind="abandonment").exists()


def test_it_refuses_a_rejection_without_a_reason(personas, proposal):
    with pytest.raises(ValidationError, match="Say why"):
        actions.reject(actor=personas["data_manager"], proposal=proposal, reason="  ")
    proposal.refresh_from_db()
    assert proposal.status == AbandonmentStatus.PROPOSED


def test_it_refuses_deciding_twice(personas, proposal):
    actions.confirm(actor=personas["data_manager"], proposal=proposal)
    with pytest.raises(ValidationError, match="already been confirmed"):
        actions.confirm(actor=personas["data_manager"], proposal=proposal)
    assert FollowUpEvent.objects.filter(kind="abandonment").count() == 1


def test_it_is_the_data_managers_decision(personas, proposal):
    for key in ("navigator", "clinician", "coordinator", "expert", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.confirm(actor=personas[key], proposal=proposal)
    assert not FollowUpEvent.objects.filter(kind="abandonment").exists()
