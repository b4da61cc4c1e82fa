"""The organiser writes to the registrants, the speaker puts up slides, a guest's country is
chosen from a list: walked at phone width in Uzbek (screenshots in CONSILIUM_SCREENS)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consilium.meetings import actions, attendance
from consilium.meetings.choices import EventKind, EventMode, SessionKind, Visibility
from consilium.network.models import Institution
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser
SCREENS = os.environ.get("CONSILIUM_SCREENS", "")


def _shot(page, name: str) -> None:
    if SCREENS:
        Path(SCREENS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENS}/{name}.png", full_page=True)


def test_messages_slides_and_countries_in_uzbek_at_phone_width(page, personas, password):
    for key in ("coordinator", "expert"):
        personas[key].language = "uz"
        personas[key].save()
    page.set_viewport_size({"width": 390, "height": 844})
    vnch = Institution.objects.get(code="VNCH")
    starts = timezone.now() + datetime.timedelta(days=20)
    event = actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.CONGRESS,
        title="Pediatric oncology congress, Tashkent",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=1),
        time_zone="Asia/Tashkent",
        host=vnch,
        mode=EventMode.HYBRID,
        visibility=Visibility.NETWORK,
        languages=["uz", "ru"],
        registration_closes_at=timezone.now() - datetime.timedelta(hours=2),
    )
    session = actions.add_session(
        actor=personas["coordinator"],
        event=event,
        kind=SessionKind.SECTION,
        title="Neuroblastoma",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    actions.add_presentation(
        actor=personas["coordinator"],
        session=session,
        title="Induction for high-risk neuroblastoma",
        speakers=[personas["expert"]],
    )
    attendance.register(
        actor=personas["coordinator"], event=event, user=personas["clinician"], mode="online"
    )

    sign_in(page, personas["coordinator"].email, password)
    page.goto(f"/meetings/{event.pk}/messages/")
    page.locator("#announce-subject_uz").fill("Zal o‘zgardi")
    page.locator("#announce-body_uz").fill("Ikkinchi kun B zalida.")
    page.locator("main form button").last.click()
    expect(page.locator(".msg.success")).to_be_visible()
    _shot(page, "messages-uz-390")
    page.goto(f"/meetings/{event.pk}/participants/")
    expect(page.locator("#guest-country option[value=UZ]")).to_have_text("Oʻzbekiston")
    _shot(page, "participants-uz-390")
    # On a phone, signing out is in the menu, as a person would find it.
    page.locator("details.menu summary").click()
    page.locator("details.menu").get_by_role("button").filter(has_text="Chiqish").click()

    sign_in(page, personas["expert"].email, password)
    page.goto(f"/meetings/{event.pk}/")
    expect(page.locator(".slides-upload")).to_be_visible()
    expect(page.locator("main")).to_contain_text("tashkilotchilar belgilagan muddat")
    _shot(page, "event-slides-deadline-uz-390")
