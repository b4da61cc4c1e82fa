from consilium.core.demo_data import load_foundation
from consilium.library import demo
from consilium.library.models import (
    Acknowledgement,
    Adoption,
    AuditRound,
    Document,
    DocumentVersion,
    SendOut,
)
from consilium.registry.models import MolecularMarker


def _counts():
    return [
        m.objects.count()
        for m in (Document, DocumentVersion, Adoption, Acknowledgement, AuditRound, SendOut)
    ]


def test_the_demo_loads_through_the_actions_and_only_once(db):
    from consilium.network.demo import load_demo as network_demo
    from consilium.registry.demo import load_demo as registry_demo

    load_foundation()
    network_demo()
    registry_demo()
    demo.load_demo()
    first = _counts()
    demo.load_demo()

    assert _counts() == first
    assert {(v.document.code, v.number, v.status) for v in DocumentVersion.objects.all()} == {
        ("IC-BUNDLE", 1, "approved"),
        ("RMS-VN", 1, "approved"),
        ("WILMS-VN", 1, "retired"),
        ("WILMS-VN", 2, "approved"),
    }
    assert set(Adoption.objects.values_list("institution__code", flat=True)) == {"UZPHO", "VNCH"}
    assert set(SendOut.objects.values_list("status", flat=True)) == {
        "requested",
        "shipped",
        "received",
        "in_analysis",
        "reported",
        "failed",
    }
    reported = SendOut.objects.filter(test="mycn", status="reported").get()
    assert reported.registry_marker.marker == "MYCN"
    assert MolecularMarker.objects.filter(sendout__isnull=False).count() == 2
    # The audit series improves: the last round beats the first on every unit.
    from consilium.library import compliance
    from consilium.library.models import Checklist
    from consilium.network.models import Institution

    bundle = Checklist.objects.get(title="Central-line bundle")
    for code in ("UZPHO", "VNCH"):
        for points in compliance.by_unit(
            compliance.rounds(bundle, Institution.objects.get(code=code))
        ).values():
            assert len(points) >= 5
            assert points[-1].percent > points[0].percent
