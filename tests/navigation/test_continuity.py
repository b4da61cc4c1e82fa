"""The kept therapy state (last therapy visit attended, interruption start) stays equal to
what the visits say, whichever path changed them: marking one visit, the day list, the
sweep, correcting the sweep, rescheduling, the migration that fills it; and for random
histories of all of these (hypothesis)."""

import datetime
import importlib
import zoneinfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consilium.navigation import queries
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import sweep
from consilium.navigation.models import THERAPY_KINDS, PlannedVisit, TherapyState, VisitStatus
from tests.navigation.conftest import days, visit

pytestmark = pytest.mark.django_db
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=HANOI)


def stored(patient) -> tuple[datetime.date | None, datetime.date | None]:
    row = TherapyState.objects.filter(patient=patient).first()
    return (row.last_attended, row.interrupted_since) if row else (None, None)


def recomputed(patient) -> tuple[datetime.date | None, datetime.date | None]:
    """Straight from the definition, in Python: the last therapy visit attended; the first
    therapy visit missed with no therapy visit attended on a later day."""
    therapy = [v for v in PlannedVisit.objects.filter(patient=patient) if v.kind in THERAPY_KINDS]
    attended = [v.date for v in therapy if v.status == VisitStatus.ATTENDED]
    stopped = [
        v.date
        for v in therapy
        if v.status == VisitStatus.MISSED and not any(day > v.date for day in attended)
    ]
    return max(attended, default=None), min(stopped, default=None)


def mark(personas, plan, label, status):
    return plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, label), status=status
    )


def test_marking_a_visit_missed_starts_the_interruption(personas, plan):
    mark(personas, plan, "C1", VisitStatus.ATTENDED)
    mark(personas, plan, "C2", VisitStatus.MISSED)
    assert stored(plan.patient) == (days(-35), days(-28))


def test_attending_after_a_missed_visit_ends_the_interruption(personas, plan):
    mark(personas, plan, "C2", VisitStatus.MISSED)
    mark(personas, plan, "C3", VisitStatus.ATTENDED)
    assert stored(plan.patient) == (days(-7), None)


def test_a_missed_follow_up_is_no_interruption_of_therapy(personas, plan):
    review = plan_actions.add_visit(
        actor=personas["navigator"], plan=plan, kind="follow_up", date=days(-3)
    )
    plan_actions.mark_visit(actor=personas["navigator"], visit=review, status=VisitStatus.MISSED)
    assert stored(plan.patient) == (None, None)


def test_the_day_list_keeps_it(personas, plan, vnch):
    mark(personas, plan, "C3", VisitStatus.MISSED)
    plan_actions.mark_day(
        actor=personas["navigator"], institution=vnch, date=days(0), attended=[visit(plan, "C4").pk]
    )
    assert stored(plan.patient) == (days(0), None)


def test_the_sweep_keeps_it(personas, plan):
    sweep.run(now=at(days(1)))
    assert stored(plan.patient) == (None, days(-35))
    assert stored(plan.patient) == recomputed(plan.patient)


def test_correcting_the_sweeps_guess_keeps_it(personas, plan):
    sweep.run(now=at(days(1)))
    mark(personas, plan, "C3", VisitStatus.ATTENDED)
    assert stored(plan.patient) == (days(-7), days(0))


def test_rescheduling_keeps_it(personas, plan):
    mark(personas, plan, "C3", VisitStatus.MISSED)
    plan_actions.reschedule_visit(
        actor=personas["navigator"], visit=visit(plan, "C3"), date=days(2)
    )
    assert stored(plan.patient) == (None, days(-7))
    assert stored(plan.patient) == recomputed(plan.patient)


def test_a_refused_mark_changes_nothing(personas, plan):
    mark(personas, plan, "C3", VisitStatus.MISSED)
    with pytest.raises(ValidationError):
        mark(personas, plan, "C3", VisitStatus.MISSED)
    assert stored(plan.patient) == (None, days(-7))


def test_the_page_lists_the_interruption_from_the_kept_state(personas, plan, vnch):
    mark(personas, plan, "C1", VisitStatus.ATTENDED)
    mark(personas, plan, "C2", VisitStatus.MISSED)
    [row] = queries.interruption_rows(vnch, days(0), 0, 10)
    assert (row.patient, row.first_missed, row.days_since) == (plan.patient, days(-28), 35)


def test_the_migration_fills_it_for_existing_visits(personas, plan):
    mark(personas, plan, "C1", VisitStatus.ATTENDED)
    mark(personas, plan, "C2", VisitStatus.MISSED)
    TherapyState.objects.all().delete()
    migration = importlib.import_module("consilium.navigation.migrations.0002_therapy_state")
    migration.fill(apps, connection.schema_editor())
    assert stored(plan.patient) == (days(-35), days(-28))


class Rollback(Exception):
    pass


VISITS = st.lists(
    st.tuples(st.sampled_from(["chemotherapy", "surgery", "follow_up"]), st.integers(-60, 5)),
    min_size=1,
    max_size=8,
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("attend"), st.integers(0, 7)),
        st.tuples(st.just("miss"), st.integers(0, 7)),
        st.tuples(st.just("sweep"), st.integers(-60, 2)),
        st.tuples(st.just("reschedule"), st.integers(0, 7), st.integers(0, 10)),
    ),
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(visits=VISITS, steps=STEPS)
def test_the_kept_state_equals_a_recomputation_over_random_histories(
    personas, patient, visits, steps
):
    navigator = personas["navigator"]
    try:
        with transaction.atomic():
            plan = plan_actions.create_plan_by_hand(
                actor=navigator,
                patient=patient,
                title="Random",
                start_date=days(-60),
                visits=[(kind, f"V{n}", days(offset)) for n, (kind, offset) in enumerate(visits)],
            )
            for step in steps:
                rows = list(plan.visits.order_by("pk"))
                try:
                    if step[0] == "sweep":
                        sweep.run(now=at(days(step[1])))
                    elif step[0] == "reschedule":
                        plan_actions.reschedule_visit(
                            actor=navigator, visit=rows[step[1] % len(rows)], date=days(step[2])
                        )
                    else:
                        status = VisitStatus.ATTENDED if step[0] == "attend" else VisitStatus.MISSED
                        plan_actions.mark_visit(
                            actor=navigator, visit=rows[step[1] % len(rows)], status=status
                        )
                except ValidationError:
                    pass  # refused steps change nothing; the state must still agree
                assert stored(patient) == recomputed(patient)
            raise Rollback
    except Rollback:
        pass
