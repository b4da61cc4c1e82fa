"""Closing a treatment plan: why, what happens to its visits and calls, and what is refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.navigation.actions import plans as actions
from consilium.navigation.actions import sweep
from consilium.navigation.models import (
    OutreachTask,
    PlanStatus,
    TaskStatus,
    TreatmentPlan,
    VisitStatus,
)
from tests.navigation.conftest import days, visit

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int) -> datetime.datetime:
    import zoneinfo

    zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def test_closing_cancels_the_unmarked_visits_keeps_the_marked_and_closes_the_calls(personas, plan):
    actions.mark_visit(actor=personas["navigator"], visit=visit(plan, "C1"), status="attended")
    actions.mark_visit(actor=personas["navigator"], visit=visit(plan, "C2"), status="missed")
    sweep.run(now=at(days(1), 12))  # C3 and C4 swept as missed, with their calls
    assert OutreachTask.objects.filter(status=TaskStatus.OPEN).exists()

    actions.close_plan(actor=personas["navigator"], plan=plan, reason="Made in error")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert plan.close_reason == "Made in error"
    assert plan.closed_by == personas["navigator"]
    statuses = dict(plan.visits.values_list("label", "status"))
    assert statuses == {
        "C1": VisitStatus.ATTENDED,
        "C2": VisitStatus.MISSED,
        "C3": VisitStatus.MISSED,
        "C4": VisitStatus.MISSED,
        "Review": VisitStatus.CANCELLED,
    }
    assert not OutreachTask.objects.filter(status=TaskStatus.OPEN).exists()
    entry = AuditEntry.objects.get(verb="navigation.plan_closed")
    assert entry.details["cancelled"] == 1


def test_a_cancelled_visit_is_never_swept_as_missed(personas, plan):
    actions.close_plan(actor=personas["navigator"], plan=plan, reason="Treatment changed")
    sweep.run(now=at(days(20), 12))
    assert visit(plan, "Review").status == VisitStatus.CANCELLED
    assert not OutreachTask.objects.exists()


def test_another_plan_can_be_made_once_the_first_is_closed(personas, patient, plan):
    with pytest.raises(ValidationError, match="already has an active"):
        actions.create_plan_by_hand(
            actor=personas["navigator"], patient=patient, title="Relapse", start_date=days(1)
        )
    actions.close_plan(actor=personas["navigator"], plan=plan, reason="Treatment completed")
    again = actions.create_plan_by_hand(
        actor=personas["navigator"], patient=patient, title="Relapse", start_date=days(1)
    )
    assert again.status == PlanStatus.ACTIVE


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_a_missing_or_overlong_reason_is_refused_and_nothing_changes(personas, plan, reason):
    with pytest.raises(ValidationError):
        actions.close_plan(actor=personas["navigator"], plan=plan, reason=reason)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert not plan.visits.filter(status=VisitStatus.CANCELLED).exists()


def test_a_closed_plan_is_not_closed_twice(personas, plan):
    actions.close_plan(actor=personas["navigator"], plan=plan, reason="Completed")
    with pytest.raises(ValidationError, match="closed already"):
        actions.close_plan(actor=personas["navigator"], plan=plan, reason="Again")
    assert TreatmentPlan.objects.get(pk=plan.pk).close_reason == "Completed"


def test_someone_outside_the_childs_care_may_not_close_it(personas, plan):
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.close_plan(actor=personas["expert"], plan=plan, reason="Completed")
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_the_page_closes_the_plan_and_lists_it_among_earlier_plans(client_for, patient, plan):
    client = client_for("navigator")
    page = client.get(f"/navigation/patients/{patient.pk}/")
    assert "Close this plan" in page.content.decode()
    response = client.post(
        f"/navigation/patients/{patient.pk}/plan/close/",
        {"close-reason": "Treatment completed"},
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "is closed; another can be made" in text
    assert "Earlier plans" in text and "Treatment completed" in text
    assert "Close this plan" not in text
    assert plan.visits.filter(status=VisitStatus.CANCELLED).exists()


def test_the_page_refuses_an_empty_reason_with_a_message(client_for, patient, plan):
    response = client_for("navigator").post(
        f"/navigation/patients/{patient.pk}/plan/close/", {"close-reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_an_outsider_gets_not_found(client_for, patient, plan):
    response = client_for("outsider").post(
        f"/navigation/patients/{patient.pk}/plan/close/", {"close-reason": "x"}
    )
    assert response.status_code == 404
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_closing_is_dated_now(personas, plan):
    before = timezone.now()
    actions.close_plan(actor=personas["navigator"], plan=plan, reason="Completed")
    plan.refresh_from_db()
    assert before <= plan.closed_at <= timezone.now()
