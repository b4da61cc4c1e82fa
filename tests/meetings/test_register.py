import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import actions, attendance
from consilium.meetings.models import Registration
from tests.meetings.conftest import guest


def test_a_member_registers_from_the_event_page(client_for, personas, future_workshop):
    response = client_for("clinician").post(
        reverse("meetings:register", args=[future_workshop.pk]), {"mode": "in_person"}
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.user == personas["clinician"]
    assert (registration.status, registration.country) == ("registered", "VN")
    assert registration.institution_name == "Vietnam National Children's Hospital"
    assert AuditEntry.objects.filter(verb="meetings.registered").count() == 1


def test_beyond_capacity_registration_goes_to_the_waiting_list_and_is_promoted_by_mail(
    audit_triggers_off_after_test, personas, future_workshop, smtp_inbox
):
    first = attendance.register(
        actor=personas["clinician"],
        event=future_workshop,
        user=personas["clinician"],
        mode="in_person",
    )
    second = attendance.register(
        actor=personas["expert"], event=future_workshop, user=personas["expert"], mode="in_person"
    )
    online = attendance.register(
        actor=personas["data_manager"],
        event=future_workshop,
        user=personas["data_manager"],
        mode="online",
    )
    assert (first.status, second.status, online.status) == ("registered", "waiting", "registered")
    promoted = attendance.cancel_registration(actor=personas["clinician"], registration=first)
    assert promoted == [second]
    second.refresh_from_db()
    assert second.status == "registered"
    call_command("worker", batch=True, verbosity=0)
    to_claire = [m for m in smtp_inbox.messages if m["To"] == "claire.martin@curie.demo"]
    assert len(to_claire) == 2  # on the waiting list, then a place
    # Claire reads French, but the catalogues may not be compiled yet: the title is there.
    assert all("Workshop on low-grade gliomas" in str(m["Subject"]) for m in to_claire)
    online_mail = next(m for m in smtp_inbox.messages if m["To"] == "minh.tran@vnch.demo")
    body = online_mail.get_body(("plain",)).get_content()
    assert f"/meetings/join/{online.join_token}/" in body


def test_a_full_event_without_waiting_list_refuses(personas, future_workshop):
    actions.update_event(actor=personas["coordinator"], event=future_workshop, waiting_list=False)
    attendance.register(
        actor=personas["clinician"],
        event=future_workshop,
        user=personas["clinician"],
        mode="in_person",
    )
    with pytest.raises(ValidationError, match="full and keeps no waiting list"):
        attendance.register(
            actor=personas["expert"],
            event=future_workshop,
            user=personas["expert"],
            mode="in_person",
        )
    assert Registration.objects.count() == 1
    assert AuditEntry.objects.filter(verb="meetings.registered").count() == 1


def test_a_larger_capacity_promotes_the_waiting_list(personas, future_workshop):
    attendance.register(
        actor=personas["clinician"],
        event=future_workshop,
        user=personas["clinician"],
        mode="in_person",
    )
    waiting = attendance.register(
        actor=personas["expert"], event=future_workshop, user=personas["expert"], mode="in_person"
    )
    actions.update_event(actor=personas["coordinator"], event=future_workshop, capacity=5)
    waiting.refresh_from_db()
    assert waiting.status == "registered"


def test_nobody_registers_twice(personas, future_workshop):
    attendance.register(
        actor=personas["clinician"],
        event=future_workshop,
        user=personas["clinician"],
        mode="online",
    )
    with pytest.raises(ValidationError, match="already registered"):
        attendance.register(
            actor=personas["clinician"],
            event=future_workshop,
            user=personas["clinician"],
            mode="in_person",
        )


def test_an_outsider_cannot_register_for_a_partners_only_board(client_for, board):
    response = client_for("outsider").post(
        reverse("meetings:register", args=[board.pk]), {"mode": "online"}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_members_cannot_register_once_the_event_is_over(client_for, workshop):
    client_for("clinician").post(
        reverse("meetings:register", args=[workshop.pk]), {"mode": "online"}
    )
    assert not Registration.objects.exists()


def test_a_coordinator_registers_guests_with_cyrillic_and_vietnamese_names(client_for, workshop):
    client = client_for("coordinator")
    url = reverse("meetings:participants_action", args=[workshop.pk, "guest"])
    for name, country in (("Анна Иванова", "ru"), ("Nguyễn Thị Hương", "VN")):
        response = client.post(
            url,
            {
                "full_name": name,
                "profession": "doctor",
                "institution_name": "Hospital",
                "country": country,
                "mode": "online",
            },
        )
        assert response.status_code == 302
    assert sorted(Registration.objects.values_list("full_name", "country")) == [
        ("Nguyễn Thị Hương", "VN"),
        ("Анна Иванова", "RU"),
    ]


def test_a_guest_needs_a_valid_country_and_nothing_is_saved(client_for, workshop):
    response = client_for("coordinator").post(
        reverse("meetings:participants_action", args=[workshop.pk, "guest"]),
        {
            "full_name": "X",
            "profession": "doctor",
            "institution_name": "H",
            "country": "Vietnam",
            "mode": "online",
        },
    )
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_only_coordinators_register_guests(personas, workshop):
    with pytest.raises(PermissionDenied):
        attendance.register(actor=personas["expert"], event=workshop, mode="online", guest=guest())


def test_a_mode_the_event_does_not_offer_is_refused(personas, board):
    with pytest.raises(ValidationError, match="cannot be attended that way"):
        attendance.register(
            actor=personas["coordinator"], event=board, user=personas["expert"], mode="in_person"
        )
