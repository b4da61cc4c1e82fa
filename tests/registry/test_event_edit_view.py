import datetime

import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.registry import actions


@pytest.fixture
def relapse(register, personas):
    patient = register()  # diagnosed 2024-02-01
    return actions.record_event(
        actor=personas["clinician"], patient=patient, kind="relapse", date=datetime.date(2025, 1, 5)
    )


def _url(event):
    return reverse("registry:event_edit", args=[event.patient_id, event.pk])


GOOD = {"kind": "progression", "date": "2024-12-20", "death_cause": "", "note": "MRI"}


def test_it_is_reached_from_the_patient_page_filled_with_the_event(relapse, client_for):
    client = client_for("data_manager")

    detail = client.get(reverse("registry:patient_detail", args=[relapse.patient_id]))
    assert _url(relapse) in detail.content.decode()
    html = client.get(_url(relapse)).content.decode()
    assert 'value="2025-01-05"' in html
    assert '<option value="relapse" selected>' in html


def test_it_saves_a_correction_and_goes_back_to_the_patient(relapse, client_for):
    response = client_for("data_manager").post(_url(relapse), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:patient_detail", args=[relapse.patient_id])
    relapse.refresh_from_db()
    assert (relapse.kind, relapse.date) == ("progression", datetime.date(2024, 12, 20))
    assert AuditEntry.objects.filter(verb="registry.event_changed").count() == 1


def test_a_death_corrected_away_asks_for_a_contact(register, personas, client_for):
    patient = register()
    death = actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="death",
        date=datetime.date(2025, 3, 1),
        death_cause="disease",
    )
    client = client_for("clinician")  # reads Vietnamese

    response = client.post(_url(death), GOOD | {"date": "2025-03-01"}, follow=True)

    patient.refresh_from_db()
    assert patient.vital_status == "unknown"
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "Tình trạng sống còn hiện chưa rõ" in messages[0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": "2024-01-02"}, "date"),  # before the diagnosis
        ({"date": "2999-01-01"}, "date"),  # in the future
        ({"kind": "death"}, "death_cause"),  # a death needs its cause
        ({"kind": "wedding"}, "kind"),  # not an event
        ({"date": "5 January"}, "date"),  # not a date
    ],
)
def test_it_shows_what_is_wrong_and_keeps_the_event(relapse, client_for, changes, field):
    response = client_for("clinician").post(_url(relapse), GOOD | changes)

    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    relapse.refresh_from_db()
    assert (relapse.kind, relapse.date) == ("relapse", datetime.date(2025, 1, 5))
    assert not AuditEntry.objects.filter(verb="registry.event_changed").exists()


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_refuses_anyone_outside_the_clinical_team(relapse, client_for, persona):
    client = client_for(persona)

    assert client.get(_url(relapse)).status_code == 404
    assert client.post(_url(relapse), GOOD).status_code == 404
    relapse.refresh_from_db()
    assert relapse.kind == "relapse"


def test_it_does_not_reach_an_event_of_another_patient(relapse, register, client_for):
    from tests.registry.conftest import identity

    other = register(identity=identity(name="Trần Thị Mai", hospital_number="BN-2"))
    url = reverse("registry:event_edit", args=[other.pk, relapse.pk])

    assert client_for("clinician").post(url, GOOD).status_code == 404
    relapse.refresh_from_db()
    assert relapse.kind == "relapse"
