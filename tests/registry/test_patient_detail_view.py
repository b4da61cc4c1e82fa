import datetime

from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.registry import actions


def test_it_shows_identity_and_timeline_and_audits_the_read(register, personas, client_for):
    patient = register()
    actions.add_treatment(
        actor=personas["clinician"],
        patient=patient,
        protocol_name="SIOPEN HR-NBL2",
        start_date=datetime.date(2024, 2, 10),
        modalities=["chemotherapy"],
    )
    actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="remission",
        date=datetime.date(2024, 8, 1),
    )

    html = (
        client_for("data_manager")
        .get(reverse("registry:patient_detail", args=[patient.pk]))
        .content.decode()
    )

    assert "Nguyễn Văn An" in html and "BN24-00042" in html and "2019-03-14" in html
    timeline = html[html.index('class="timeline"') :]
    assert (
        timeline.index("2024-02-01")
        < timeline.index("SIOPEN")
        < timeline.index("Complete remission")
    )
    assert "ICCC-3 041" in html
    assert '<span lang="en">Neuroblastoma, NOS</span> <span class="muted">9500/3</span>' in html
    assert '<span lang="en">Adrenal gland, NOS</span> <span class="muted">C74.9</span>' in html
    entry = AuditEntry.objects.get(verb="registry.patient_viewed")
    assert entry.actor == personas["data_manager"]
    assert entry.object_id == str(patient.pk)


def test_it_hides_a_patient_from_everyone_outside_the_clinical_team(register, client_for, client):
    patient = register()
    url = reverse("registry:patient_detail", args=[patient.pk])
    for persona in ("coordinator", "expert", "outsider", "admin"):
        response = client_for(persona).get(url)
        assert response.status_code == 404, persona
        assert b"Nguy" not in response.content
    assert client.get(url).status_code == 302
    assert not AuditEntry.objects.filter(verb="registry.patient_viewed").exists()
