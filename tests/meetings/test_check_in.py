from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance
from tests.meetings.conftest import guest


@pytest.fixture
def hương(personas, workshop):
    return attendance.register(
        actor=personas["coordinator"],
        event=workshop,
        mode="in_person",
        guest=guest(email="huong@example.org"),
    )


def test_a_coordinator_checks_a_participant_in_by_email(client_for, workshop, morning, hương):
    response = client_for("coordinator").post(
        reverse("meetings:participants_action", args=[workshop.pk, "check-in"]),
        {"email": "HUONG@example.org"},
    )
    assert response.status_code == 302
    hương.refresh_from_db()
    assert hương.checked_in_at is not None
    # The programme's teaching hours: one morning session of 3 h 15.
    assert hương.hours_attended == Decimal("3.25")


def test_checking_in_someone_not_registered_is_refused(client_for, workshop, hương):
    response = client_for("coordinator").post(
        reverse("meetings:participants_action", args=[workshop.pk, "check-in"]),
        {"email": "nobody@example.org"},
    )
    assert response.status_code == 400
    assert "not registered for this event" in response.content.decode()
    assert not AuditEntry.objects.filter(verb="meetings.checked_in").exists()


def test_a_registration_of_another_event_is_not_a_registration_here(
    personas, workshop, board, hương
):
    with pytest.raises(ValidationError, match="not registered for this event"):
        attendance.check_in(actor=personas["coordinator"], event=board, registration=hương)


def test_the_waiting_list_is_not_checked_in(personas, workshop):
    regs = [
        attendance.register(
            actor=personas["coordinator"],
            event=workshop,
            mode="in_person",
            guest=guest(name=f"Guest {n}"),
        )
        for n in range(3)
    ]
    assert regs[2].status == "waiting"
    with pytest.raises(ValidationError, match="waiting list"):
        attendance.check_in(actor=personas["coordinator"], event=workshop, registration=regs[2])


def test_twice_is_refused(personas, workshop, hương):
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=hương)
    with pytest.raises(ValidationError, match="already checked in"):
        attendance.check_in(actor=personas["coordinator"], event=workshop, registration=hương)


@pytest.mark.parametrize("persona", ["expert", "clinician", "outsider"])
def test_only_the_organisers_check_in(client_for, workshop, hương, persona):
    response = client_for(persona).post(
        reverse("meetings:participants_action", args=[workshop.pk, "check-in"]),
        {"registration": hương.pk},
    )
    assert response.status_code == 403
    hương.refresh_from_db()
    assert hương.checked_in_at is None


def test_hours_can_be_corrected_within_the_event(client_for, personas, workshop, hương):
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=hương)
    client = client_for("coordinator")
    url = reverse("meetings:participants_action", args=[workshop.pk, "hours"])
    client.post(url, {"registration": hương.pk, "hours": "12.5"})
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("12.50")
    client.post(url, {"registration": hương.pk, "hours": "500"})
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("12.50")


def test_the_desk_takes_back_hours_in_the_readers_decimal_format_and_keeps_its_search(
    client_for, personas, workshop, hương
):
    """Uzbek and Vietnamese write 7,5: the page shows hours so and must accept them so."""
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=hương)
    personas["coordinator"].language = "uz"
    personas["coordinator"].save(update_fields=["language"])
    client = client_for("coordinator")
    url = reverse("meetings:participants_action", args=[workshop.pk, "hours"])
    response = client.post(url, {"registration": hương.pk, "hours": "7,5", "q": "Hương"})
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("7.50")
    assert "q=H" in response["Location"]  # back to the same search, not the whole list
    client.post(url, {"registration": hương.pk, "hours": "6.25"})
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("6.25")
    page = client.get(reverse("meetings:participants", args=[workshop.pk]), {"q": "xyzzy"})
    text = page.content.decode()
    with translation.override("uz"):
        assert translation.gettext("Nobody has registered yet.") not in text


def test_the_participants_page_lists_people(client_for, workshop, hương):
    page = client_for("coordinator").get(reverse("meetings:participants", args=[workshop.pk]))
    assert "Nguyễn Thị Hương" in page.content.decode()
