import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import actions
from consilium.meetings.models import Event
from tests.meetings.conftest import HANOI, at


def _form(institutions, **overrides):
    data = {
        "kind": "workshop",
        "title": "Pediatric Oncology Workshop 2024",
        "host": institutions["VNCH"].pk,
        "co_organisers": [institutions["KHOSP"].pk, institutions["CURIE"].pk],
        "supporting_organisations": "French Embassy; WHO",
        "time_zone": HANOI,
        "starts_at": "2024-12-02T08:30",
        "ends_at": "2024-12-06T16:30",
        "mode": "hybrid",
        "venue": "VNCH, Hanoi",
        "online_link": "https://visio.example.org/w",
        "languages": ["vi", "en"],
        "visibility": "public",
        "capacity": "120",
        "waiting_list": "on",
    }
    data.update(overrides)
    return data


def test_it_creates_an_event_in_its_own_time_zone(client_for, institutions):
    response = client_for("coordinator").post(reverse("meetings:event_new"), _form(institutions))
    event = Event.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("meetings:programme", args=[event.pk])
    # 08:30 in Hanoi is 01:30 UTC, whatever the coordinator's own zone.
    assert event.starts_at == at(2024, 12, 2, 8, 30)
    assert event.starts_at.utcoffset() is not None
    assert {i.code for i in event.co_organisers.all()} == {"KHOSP", "CURIE"}
    assert event.supporting_organisations == ["French Embassy", "WHO"]
    assert AuditEntry.objects.filter(verb="meetings.event_created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2024-12-01T08:00"}, "ends_at", "ends before it starts"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"starts_at": "tomorrow"}, "starts_at", "Enter a valid date/time"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(
    client_for, institutions, overrides, field, message
):
    response = client_for("coordinator").post(
        reverse("meetings:event_new"), _form(institutions, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Event.objects.exists()
    assert not AuditEntry.objects.filter(verb="meetings.event_created").exists()


def test_it_refuses_a_time_that_a_clock_change_skips(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("meetings:event_new"),
        _form(
            institutions,
            time_zone="Europe/Paris",
            starts_at="2025-03-30T02:30",
            ends_at="2025-03-30T05:00",
        ),
    )
    assert "clock change" in " ".join(response.context["form"].errors["starts_at"])
    assert not Event.objects.exists()


@pytest.mark.parametrize("persona", ["expert", "outsider", "clinician"])
def test_only_coordinators_and_admins_of_an_institution_create_events(client_for, persona):
    assert client_for(persona).get(reverse("meetings:event_new")).status_code == 403


def test_a_coordinator_cannot_host_an_event_at_another_institution(personas, institutions):
    with pytest.raises(PermissionDenied):
        actions.create_event(
            actor=personas["coordinator"],
            kind="workshop",
            title="Not ours",
            starts_at=at(2025, 1, 1, 9),
            ends_at=at(2025, 1, 1, 17),
            time_zone=HANOI,
            host=institutions["CURIE"],
            mode="in_person",
        )
    assert not Event.objects.exists()


def test_an_event_cannot_shrink_away_from_its_sessions(personas, workshop, morning):
    with pytest.raises(ValidationError, match="outside the new dates"):
        actions.update_event(
            actor=personas["coordinator"], event=workshop, starts_at=at(2024, 12, 3, 8)
        )
    workshop.refresh_from_db()
    assert workshop.starts_at == at(2024, 12, 2, 8, 30)
    assert workshop.sequence == 0


def test_it_takes_a_new_board_straight_to_its_case_agenda(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("meetings:event_new"),
        _form(institutions, kind="tumour_board", visibility="partners", capacity=""),
    )
    event = Event.objects.get()
    assert response.url == reverse("meetings:agenda", args=[event.pk])
