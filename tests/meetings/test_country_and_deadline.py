"""Registration asks the country from a list named in the reader's language and stores the
ISO code; a registration deadline closes self-registration and the page says why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.lib.countries import country_choices, country_name
from consilium.meetings import actions, attendance
from consilium.meetings.models import Registration
from tests.meetings.conftest import guest


def test_country_names_follow_the_reader_language():
    assert country_name("VN", "vi") == "Việt Nam"
    assert country_name("UZ", "uz") == "Oʻzbekiston"
    assert country_name("FR", "ru") == "Франция"


def test_a_name_missing_from_iso_codes_comes_from_the_cldr_not_in_english():
    """iso-codes has no Uzbek name for Vietnam, Korea or China (101 countries in all)."""
    assert country_name("VN", "uz") == "Vyetnam"
    assert country_name("CN", "uz") == "Xitoy"
    assert country_name("VN", "en") == "Vietnam"
    assert country_name("KR", "uz") == "Janubiy Koreya"
    assert dict(country_choices("uz"))["VN"] == "Vyetnam"
    assert ("UZ", "Uzbekistan") in country_choices("en")


def test_the_guest_form_lists_countries_in_the_reader_language(client_for, personas, workshop):
    personas["coordinator"].language = "vi"
    personas["coordinator"].save()
    page = client_for("coordinator").get(reverse("meetings:participants", args=[workshop.pk]))
    assert '<option value="VN">Việt Nam</option>' in page.content.decode()


def test_a_guest_is_stored_with_the_iso_code(client_for, personas, future_workshop):
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    url = reverse("meetings:participants_action", args=[future_workshop.pk, "guest"])
    data = {
        "full_name": "Aziza Karimova",
        "profession": "nurse",
        "institution_name": "RSNPMCP, Tashkent",
        "mode": "online",
    }
    bad = client_for("coordinator").post(url, {**data, "country": "Uzbekistan"})
    assert bad.status_code == 400
    assert "Choose a country from the list." in bad.content.decode()
    assert not Registration.objects.exists()
    assert client_for("coordinator").post(url, {**data, "country": "UZ"}).status_code == 302
    assert Registration.objects.get().country == "UZ"


def test_an_unknown_code_is_refused_by_the_action(personas, future_workshop):
    with pytest.raises(ValidationError, match="Choose a country from the list"):
        attendance.register(
            actor=personas["coordinator"],
            event=future_workshop,
            mode="online",
            guest=guest(country="XX"),
        )


def test_registration_after_the_deadline_is_closed_and_the_page_says_why(
    client_for, personas, future_workshop
):
    personas["clinician"].language = "en"
    personas["clinician"].save()
    actions.update_event(
        actor=personas["coordinator"],
        event=future_workshop,
        registration_closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    page = client_for("clinician").get(reverse("meetings:event", args=[future_workshop.pk]))
    text = page.content.decode()
    assert "Registration closed on" in text and "the deadline the organisers set" in text
    assert 'action="' + reverse("meetings:register", args=[future_workshop.pk]) not in text
    with pytest.raises(ValidationError, match="the deadline the organisers set"):
        attendance.register(
            actor=personas["clinician"],
            event=future_workshop,
            user=personas["clinician"],
            mode="online",
        )
    # The organisers may still register someone late.
    attendance.register(
        actor=personas["coordinator"],
        event=future_workshop,
        user=personas["clinician"],
        mode="online",
    )


def test_a_deadline_after_the_event_is_refused(personas, future_workshop):
    with pytest.raises(ValidationError, match="Registration closes before the event ends"):
        actions.update_event(
            actor=personas["coordinator"],
            event=future_workshop,
            registration_closes_at=future_workshop.ends_at + datetime.timedelta(days=1),
        )
