from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.navigation.actions import risk as actions
from consilium.navigation.models import OutreachTask, RiskWeights, SocialProfile, TaskReason
from consilium.navigation.risk import FACTOR_KEYS
from tests.navigation.test_navigator_page import HIGH_RISK

pytestmark = pytest.mark.django_db

LOW_RISK = HIGH_RISK | {
    "travel_minutes": 30,
    "travel_cost": 20000,
    "income_band": "middle",
    "insurance": "full",
    "needs_lodging": False,
    "phone_access": "own",
    "needs_interpreter": False,
}


def test_it_scores_by_the_documented_default_weights(personas, patient):
    profile = actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    # 4 h travel 2, costly 1, lowest income 2, no insurance 2, lodging 1, shared phone 1,
    # interpreter 1
    assert profile.score == 10 and profile.band == "high"
    assert set(profile.factors) == {
        "long_travel",
        "costly_travel",
        "lowest_income",
        "no_insurance",
        "needs_lodging",
        "shared_phone",
        "interpreter",
    }


def test_it_proposes_a_navigation_plan_for_a_high_risk_family_once(personas, patient):
    actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    assert OutreachTask.objects.filter(reason=TaskReason.HIGH_RISK).count() == 1


def test_it_flags_a_low_risk_family_low(personas, patient):
    profile = actions.record_profile(actor=personas["navigator"], patient=patient, data=LOW_RISK)
    assert profile.band == "low" and profile.score == 0
    assert not OutreachTask.objects.exists()


def test_it_uses_the_institutions_own_weights(personas, patient, vnch):
    actions.set_weights(
        actor=personas["data_manager"],
        institution=vnch,
        weights={key: 0 for key in FACTOR_KEYS} | {"interpreter": 5},
        medium_from=2,
        high_from=5,
        travel_cost_limit=Decimal("1000000"),
    )
    profile = actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    assert profile.score == 5 and profile.band == "high"


@pytest.mark.parametrize("bad", [-1, 6, "3", None])
def test_it_refuses_a_weight_out_of_range(personas, vnch, bad):
    with pytest.raises(ValidationError):
        actions.set_weights(
            actor=personas["data_manager"],
            institution=vnch,
            weights={key: 1 for key in FACTOR_KEYS} | {"no_phone": bad},
            medium_from=3,
            high_from=6,
            travel_cost_limit=Decimal("1"),
        )
    assert not RiskWeights.objects.exists()


def test_it_refuses_thresholds_in_the_wrong_order(personas, vnch):
    with pytest.raises(ValidationError, match="above the medium"):
        actions.set_weights(
            actor=personas["data_manager"],
            institution=vnch,
            weights={key: 1 for key in FACTOR_KEYS},
            medium_from=6,
            high_from=3,
            travel_cost_limit=Decimal("1"),
        )


def test_it_lets_only_data_managers_set_weights(personas, vnch):
    with pytest.raises(PermissionDenied):
        actions.set_weights(
            actor=personas["navigator"],
            institution=vnch,
            weights={key: 1 for key in FACTOR_KEYS},
            medium_from=3,
            high_from=6,
            travel_cost_limit=Decimal("1"),
        )


def test_it_refuses_a_profile_for_a_patient_of_another_institution(personas, patient):
    with pytest.raises(PermissionDenied):
        actions.record_profile(actor=personas["outsider"], patient=patient, data=HIGH_RISK)
    assert not SocialProfile.objects.exists()


def test_it_shows_the_factors_and_weights_beside_the_flag(personas, patient, client_for):
    from django.urls import reverse

    actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)
    page = (
        client_for("data_manager")
        .get(reverse("navigation:patient", args=[patient.pk]))
        .content.decode()
    )
    assert "Travel of 4 hours or more: +2" in page
    assert "10 points" in page and "high from 6" in page
