import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consilium.navigation.actions import abandonment, outreach, sweep
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import risk as risk_actions
from consilium.navigation.measures import measures
from consilium.navigation.models import ProposedAbandonment, VisitStatus
from tests.navigation.conftest import days, visit
from tests.navigation.test_navigator_page import HIGH_RISK
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(personas, plan, patient, make_patient, vnch):
    """Two children: one abandons (high risk), one misses a cycle and comes back."""
    risk_actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    plan_actions.mark_visit(
        actor=personas["navigator"], visit=visit(plan, "C1"), status=VisitStatus.ATTENDED
    )
    other = make_patient(name="Lê Văn Bình", number="BN24-00077")
    second = plan_actions.create_plan_by_hand(
        actor=personas["navigator"],
        patient=other,
        title="Induction",
        start_date=days(-20),
        visits=[("chemotherapy", "C1", days(-20)), ("chemotherapy", "C2", days(-10))],
    )
    sweep.run(now=at(days(0), 7))
    abandonment.confirm(actor=personas["data_manager"], proposal=ProposedAbandonment.objects.get())
    # The second child's family is called two days after the missed cycle; it comes back.
    outreach.log_contact(
        actor=personas["navigator"],
        patient=other,
        kind="call",
        reached=True,
        spoke_with="Mother",
        at=timezone.make_aware(datetime.datetime.combine(days(-18), datetime.time(9))),
    )
    missed = second.visits.get(label="C1")
    back = plan_actions.reschedule_visit(actor=personas["navigator"], visit=missed, date=days(0))
    plan_actions.mark_visit(actor=personas["navigator"], visit=back, status=VisitStatus.ATTENDED)
    outreach.give_support(
        actor=personas["navigator"],
        patient=other,
        kind="transport",
        given_on=days(-18),
        amount=150000,
    )
    return vnch


def test_it_gives_the_abandonment_rate_overall_and_by_risk_band(history):
    result = measures([history.pk])
    side = result.sides[0]
    assert (side.abandonment.numerator, side.abandonment.denominator) == (1, 2)
    bands = {str(label): rate for label, rate in side.by_band}
    assert (bands["High"].numerator, bands["High"].denominator) == (1, 1)
    assert (bands["Not assessed"].numerator, bands["Not assessed"].denominator) == (0, 1)


def test_it_measures_outreach_and_return_after_missed_visits(history):
    side = measures([history.pk]).sides[0]
    # missed: first child's C2, C3, C4(today? no: C4 is today) and the second child's C1, C2
    assert side.missed == 4
    assert side.returned_within_14.numerator == 1  # C2 of the second child: back today
    assert side.median_days_to_outreach is not None


def test_it_splits_before_and_after_the_programme_start(history):
    result = measures([history.pk], start=days(-15))
    assert [str(s.label) for s in result.sides] == [
        "All",
        "Before the programme",
        "From the programme's start",
    ]
    assert result.sides[1].missed + result.sides[2].missed == result.sides[0].missed
    support = {str(label): n for label, n, _amount in result.sides[1].support}
    assert support["Transport"] == 1


def test_it_shows_the_abandonment_rate_on_the_outcomes_page(history, client_for):
    response = client_for("coordinator").get(
        reverse("outcomes:page") + f"?institution=VNCH&navigation_start={days(-15)}"
    )
    page = response.content.decode()
    assert "Treatment abandonment and navigation" in page
    assert "50.0% (1/2)" in page
    assert "Before the programme" in page
    assert "VNCH-" not in page.split("Treatment abandonment and navigation")[1]
