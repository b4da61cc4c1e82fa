import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.navigation.actions import plans as actions
from consilium.navigation.models import VisitStatus
from tests.navigation.conftest import visit

pytestmark = pytest.mark.django_db


def test_it_marks_a_visit_attended(personas, plan):
    marked = actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C3"), status=VisitStatus.ATTENDED
    )
    assert marked.status == VisitStatus.ATTENDED
    assert marked.marked_by == personas["navigator"]


def test_it_refuses_marking_twice(personas, plan):
    c3 = visit(plan, "C3")
    actions.mark_visit(actor=personas["navigator"], visit=c3, status=VisitStatus.MISSED)
    with pytest.raises(ValidationError, match="already marked missed"):
        actions.mark_visit(actor=personas["clinician"], visit=c3, status=VisitStatus.ATTENDED)
    c3.refresh_from_db()
    assert c3.status == VisitStatus.MISSED and c3.marked_by == personas["navigator"]


def test_it_refuses_attended_before_the_visits_day(personas, plan):
    with pytest.raises(ValidationError, match="before its day"):
        actions.mark_visit(
            actor=personas["navigator"], visit=visit(plan, "Review"), status=VisitStatus.ATTENDED
        )
    assert visit(plan, "Review").status == VisitStatus.PLANNED


def test_it_refuses_missed_before_the_visits_day(personas, plan):
    """A tap on a visit still to come: missing it cannot have happened yet."""
    with pytest.raises(ValidationError, match="missed before its day"):
        actions.mark_visit(
            actor=personas["navigator"], visit=visit(plan, "Review"), status=VisitStatus.MISSED
        )
    assert visit(plan, "Review").status == VisitStatus.PLANNED


def test_it_refuses_a_partner_and_the_outsider(personas, plan):
    for key in ("expert", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.mark_visit(
                actor=personas[key], visit=visit(plan, "C3"), status=VisitStatus.ATTENDED
            )
    assert visit(plan, "C3").status == VisitStatus.PLANNED


def test_it_marks_the_ticked_children_of_a_day_list(personas, plan, vnch):
    today = visit(plan, "C4")
    assert (
        actions.mark_day(
            actor=personas["navigator"], institution=vnch, date=today.date, attended=[today.pk]
        )
        == 1
    )
    assert visit(plan, "C4").status == VisitStatus.ATTENDED


def test_it_refuses_a_day_list_tick_of_another_day_and_changes_nothing(personas, plan, vnch):
    today, other = visit(plan, "C4"), visit(plan, "C3")
    with pytest.raises(ValidationError, match="not on this day"):
        actions.mark_day(
            actor=personas["navigator"],
            institution=vnch,
            date=today.date,
            attended=[today.pk, other.pk],
        )
    assert visit(plan, "C4").status == VisitStatus.PLANNED
