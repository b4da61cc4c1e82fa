"""Refused attempts on patient objects are logged, and a flood of them is summarised."""

from django.core.cache import cache
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.audit.refusals import FLOOD, FULL_PER_WINDOW, REFUSED, SUMMARY_EVERY, record_refusal


def test_it_logs_an_outsider_refused_a_consultation(client_for, personas, db):
    from tests.consultations.fixtures import create_consultation

    consultation = create_consultation(personas)
    cache.clear()
    response = client_for("outsider").get(reverse("consultations:detail", args=[consultation.pk]))
    assert response.status_code == 404
    entry = AuditEntry.objects.get(verb=REFUSED)
    assert entry.actor == personas["outsider"]
    assert entry.details["object_type"] == "consultation"
    assert entry.details["object_id"] == str(consultation.pk)


def test_it_logs_a_refused_patient_and_an_unknown_one(client_for, personas, db):
    cache.clear()
    client = client_for("expert")
    assert client.get(reverse("registry:patient_detail", args=[987654])).status_code in (403, 404)
    assert AuditEntry.objects.filter(verb=REFUSED, actor=personas["expert"]).exists()


def test_a_scanner_cannot_fill_the_log(personas, db):
    cache.clear()
    scanner = personas["outsider"]
    for pk in range(1, 3 * SUMMARY_EVERY + 1):
        record_refusal(actor=scanner, object_type="consultation", object_id=pk)
    assert AuditEntry.objects.filter(verb=REFUSED).count() == FULL_PER_WINDOW
    summaries = AuditEntry.objects.filter(verb=FLOOD).order_by("id")
    assert [e.details["refusals_in_window"] for e in summaries] == [100, 200, 300]
    # Another person is not silenced by the scanner.
    record_refusal(actor=personas["expert"], object_type="consultation", object_id=1)
    assert AuditEntry.objects.filter(verb=REFUSED, actor=personas["expert"]).count() == 1
