from collections import Counter

from consilium.registry.demo import load_demo
from consilium.registry.models import FollowUpEvent, Patient


def test_it_loads_a_realistic_registry_once(db):
    load_demo()
    load_demo()  # idempotent

    counts = Counter(Patient.objects.values_list("institution__code", flat=True))
    assert counts == {"VNCH": 60, "UZPHO": 40}
    kinds = set(FollowUpEvent.objects.values_list("kind", flat=True))
    assert {"relapse", "abandonment", "death", "remission"} <= kinds
    assert Patient.objects.filter(vital_status="dead").exists()
    assert not Patient.objects.filter(issues__level="error").exists()
