import datetime
import zoneinfo

import pytest

from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import sweep
from consilium.navigation.models import (
    OutreachTask,
    ProposedAbandonment,
    TaskReason,
    VisitStatus,
)
from tests.navigation.conftest import days, visit

pytestmark = pytest.mark.django_db
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=HANOI)


def test_it_marks_a_visit_missed_only_after_its_day_and_the_grace(personas, plan, settings):
    settings.CONSILIUM_NAVIGATION_GRACE_HOURS = 6
    c4 = visit(plan, "C4")
    sweep.run(now=at(days(1), 5))  # 05:00 next day: still within the grace
    assert visit(plan, "C4").status == VisitStatus.PLANNED
    sweep.run(now=at(days(1), 7))
    c4.refresh_from_db()
    assert c4.status == VisitStatus.MISSED and c4.missed_by_sweep
    task = OutreachTask.objects.get(visit=c4)
    assert task.reason == TaskReason.MISSED_VISIT and task.due_on == days(1)


def test_it_changes_nothing_when_run_twice(personas, plan):
    first = sweep.run(now=at(days(1), 12))
    second = sweep.run(now=at(days(1), 12))
    assert first["missed"] == 4 and second == {"missed": 0, "proposed": 0}
    assert OutreachTask.objects.count() == 4


def test_it_leaves_marked_visits_alone(personas, plan):
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C3"), status=VisitStatus.ATTENDED
    )
    sweep.run(now=at(days(1), 12))
    assert visit(plan, "C3").status == VisitStatus.ATTENDED
    assert not OutreachTask.objects.filter(visit=visit(plan, "C3")).exists()


def test_it_proposes_an_abandonment_after_28_days_of_missed_therapy(personas, plan):
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C1"), status=VisitStatus.ATTENDED
    )
    # C2 (28 days ago) and C3 missed: four weeks of planned therapy with nothing attended.
    sweep.run(now=at(days(0), 12))
    proposal = ProposedAbandonment.objects.get()
    assert proposal.interruption_from == days(-28)
    assert proposal.last_attended == days(-35)
    # SIOP PODC date rule: dated at the last visit attended before the interruption.
    assert proposal.abandonment_date == days(-35)


def test_it_does_not_propose_before_28_days(personas, plan):
    for label in ("C1", "C2"):
        plan_actions.mark_visit(
            actor=personas["navigator"], visit=visit(plan, label), status=VisitStatus.ATTENDED
        )
    sweep.run(now=at(days(0), 12))  # C3 missed 7 days ago only
    assert not ProposedAbandonment.objects.exists()


def test_it_dates_a_child_who_never_came_at_the_first_visit_missed(personas, plan):
    sweep.run(now=at(days(0), 12))
    proposal = ProposedAbandonment.objects.get()
    assert proposal.last_attended is None
    assert proposal.abandonment_date == proposal.interruption_from == days(-35)


def test_it_proposes_once_a_day_and_never_again_for_the_same_interruption(personas, plan):
    sweep.run(now=at(days(0), 12))
    ProposedAbandonment.objects.update(status="rejected", reason="In hospital elsewhere")
    sweep.run(now=at(days(1), 12))
    assert ProposedAbandonment.objects.count() == 1


def test_it_marks_a_child_who_comes_back_as_returned_to_care(personas, plan):
    sweep.run(now=at(days(0), 6))
    proposal = ProposedAbandonment.objects.get()
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C4"), status=VisitStatus.ATTENDED
    )
    proposal.refresh_from_db()
    assert proposal.returned_on == days(0)
    assert proposal.abandonment_date == days(-35)


def test_it_is_one_of_the_schedulers_jobs():
    from consilium.core.periodic import JOBS

    assert "consilium.navigation.actions.sweep.run" in JOBS


def test_it_dates_an_interruption_starting_on_a_day_a_visit_was_attended_at_the_visit_before(
    personas, patient
):
    """Surgery missed on the day a cycle was given: the interruption starts that day, and the
    last visit attended *before* it is the cycle a week earlier (not the kept same-day one)."""
    plan = plan_actions.create_plan_by_hand(
        actor=personas["navigator"],
        patient=patient,
        title="Local control",
        start_date=days(-42),
        visits=[
            ("chemotherapy", "C1", days(-42)),
            ("chemotherapy", "C2", days(-35)),
            ("surgery", "S", days(-35)),
        ],
    )
    for label, status in (("C1", "attended"), ("C2", "attended"), ("S", "missed")):
        plan_actions.mark_visit(
            actor=personas["navigator"], visit=visit(plan, label), status=status
        )
    sweep.run(now=at(days(0), 12))
    proposal = ProposedAbandonment.objects.get()
    assert proposal.interruption_from == days(-35)
    assert (proposal.last_attended, proposal.abandonment_date) == (days(-42), days(-42))
