import pytest
from django.core.exceptions import ValidationError

from consilium.navigation.actions import plans as actions
from consilium.navigation.models import PlannedVisit, VisitStatus
from tests.navigation.conftest import days, visit

pytestmark = pytest.mark.django_db


def test_it_keeps_the_old_date_when_rescheduling(personas, plan):
    new = actions.reschedule_visit(
        actor=personas["navigator"], visit=visit(plan, "Review"), date=days(20)
    )
    old = PlannedVisit.objects.get(pk=new.rescheduled_from_id)
    assert old.status == VisitStatus.RESCHEDULED and old.date == days(14)
    assert new.status == VisitStatus.PLANNED and new.date == days(20)
    assert [v.date for v in actions.history(new)] == [days(20), days(14)]


def test_it_refuses_rescheduling_into_the_past(personas, plan):
    with pytest.raises(ValidationError, match="into the past"):
        actions.reschedule_visit(
            actor=personas["navigator"], visit=visit(plan, "Review"), date=days(-1)
        )
    assert plan.visits.count() == 5
    assert visit(plan, "Review").status == VisitStatus.PLANNED


def test_it_leaves_a_missed_visit_missed_when_it_is_given_a_new_date(personas, plan):
    c3 = visit(plan, "C3")
    actions.mark_visit(actor=personas["navigator"], visit=c3, status=VisitStatus.MISSED)
    actions.reschedule_visit(actor=personas["navigator"], visit=c3, date=days(2))
    assert PlannedVisit.objects.get(pk=c3.pk).status == VisitStatus.MISSED
    with pytest.raises(ValidationError, match="already been rescheduled"):
        actions.reschedule_visit(actor=personas["navigator"], visit=c3, date=days(3))
