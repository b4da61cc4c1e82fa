from collections import Counter

from consilium.registry.demo import load_demo
from consilium.registry.models import FollowUpEvent, Patient


def test_it_loads_a_realistic_registry_once(db):
    load_demo()
    load_demo()  # idempotent

    counts = Counter(Patient.objects.values_list("institution__code", flat=True))
    assert counts == {"VNCH": 60, "KHOSP": 30, "UZPHO": 40}
    kinds = set(FollowUpEvent.objects.values_list("kind", flat=True))
    assert {"relapse", "abandonment", "death", "remission"} <= kinds
    assert Patient.objects.filter(vital_status="dead").exists()
    assert not Patient.objects.filter(issues__level="error").exists()


def test_it_lets_the_demo_data_manager_compare_the_two_hanoi_registries_he_serves(db):
    from consilium.accounts.models import User
    from consilium.outcomes.access import outcome_institutions

    load_demo()

    def codes(email: str) -> list[str]:
        return list(
            outcome_institutions(User.objects.get(email=email)).values_list("code", flat=True)
        )

    assert codes("minh.tran@vnch.demo") == ["KHOSP", "VNCH"]
    # K Hospital's children were registered by him, and only he of the personas sees them.
    assert set(
        Patient.objects.filter(institution__code="KHOSP").values_list(
            "created_by__email", flat=True
        )
    ) == {"minh.tran@vnch.demo"}
    assert codes("lan.nguyen@vnch.demo") == ["VNCH"]
    assert codes("claire.martin@curie.demo") == []
