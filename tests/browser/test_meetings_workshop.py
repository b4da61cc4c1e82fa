import datetime
import io
import zoneinfo

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from consilium.meetings.models import DayAttendance, Event, Registration, Session
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _a_day_passes(event) -> None:
    """The workshop's day comes: the event, its programme and its attendance move a day
    back, which is what the clock would do."""
    one = datetime.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(
        starts_at=F("starts_at") - one, ends_at=F("ends_at") - one
    )
    Session.objects.filter(event=event).update(
        starts_at=F("starts_at") - one, ends_at=F("ends_at") - one
    )
    DayAttendance.objects.filter(registration__event=event).update(day=F("day") - one)


def _form(page, button: str):
    return page.locator("form", has=page.get_by_role("button", name=button, exact=True))


def test_a_workshop_from_programme_to_certificate(page, personas, password):
    for key in ("coordinator", "clinician"):
        personas[key].language = "en"
        personas[key].save()
    # Tomorrow in Hanoi: the desk checks the clinician in the day before (badge collection).
    day = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).date()
    day += datetime.timedelta(days=1)

    sign_in(page, personas["coordinator"].email, password)
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Kind").select_option("workshop")
    page.get_by_label("Title").fill("Workshop on low-grade gliomas")
    page.get_by_label("Institut Curie").check()
    page.get_by_label("Time zone of the programme").select_option("Asia/Ho_Chi_Minh")
    page.get_by_label("Starts").fill(f"{day.isoformat()}T08:30")
    page.get_by_label("Ends").fill(f"{day.isoformat()}T17:00")
    page.get_by_label("Mode").select_option("hybrid")
    page.get_by_label("Venue").fill("VNCH, Hanoi")
    page.get_by_label("Online link").fill("https://visio.example.org/lgg")
    page.get_by_label("Who may see it").select_option("network")
    page.get_by_label("Capacity").fill("40")
    page.get_by_role("button", name="Create the event").click()
    expect(page.locator(".msg.success")).to_contain_text("Now build its programme")

    _form(page, "Add the section").get_by_label("Section or track").fill("Low-grade gliomas")
    _form(page, "Add the section").get_by_role("button").click()
    expect(page.locator(".msg.success")).to_contain_text("The section has been added")

    session = _form(page, "Add the session")
    session.get_by_label("Kind of session").select_option("section")
    session.get_by_label("Session title").fill("When to treat a low-grade glioma")
    session.get_by_label("Section or track").select_option(label="Low-grade gliomas")
    session.get_by_label("Room").fill("Main hall")
    session.get_by_label("Session starts").fill(f"{day.isoformat()}T08:30")
    session.get_by_label("Session ends").fill(f"{day.isoformat()}T11:30")
    session.get_by_role("button").click()
    expect(page.locator(".msg.success")).to_contain_text("The session has been added")

    # The same room at an overlapping time is refused, with the reason.
    session = _form(page, "Add the session")
    session.get_by_label("Kind of session").select_option("case_discussion")
    session.get_by_label("Session title").fill("Cases")
    session.get_by_label("Room").fill("Main hall")
    session.get_by_label("Session starts").fill(f"{day.isoformat()}T11:00")
    session.get_by_label("Session ends").fill(f"{day.isoformat()}T12:00")
    session.get_by_role("button").click()
    expect(page.locator(".errorlist")).to_contain_text("Main hall is taken")

    talk = _form(page, "Add the presentation")
    talk.get_by_label("In session").select_option(label="When to treat a low-grade glioma")
    talk.get_by_label("Presentation title").fill("BRAF and MEK inhibitors")
    talk.get_by_label("Speakers from outside the network").fill("Dr Vũ Hải")
    talk.get_by_label("CNS tumours").check()
    talk.get_by_label("Chemotherapy").check()
    talk.get_by_role("button", name="Add the presentation").click()
    expect(page.locator(".msg.success")).to_contain_text("The presentation has been added")
    expect(page.locator("table.programme")).to_contain_text("BRAF and MEK inhibitors")
    _sign_out(page)

    event = Event.objects.get()
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/meetings/{event.pk}/")
    expect(page.locator("table.programme")).to_contain_text("08:30–11:30")
    page.get_by_label("I will attend").select_option("in_person")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".msg.success")).to_contain_text("You are registered")
    _sign_out(page)

    sign_in(page, personas["coordinator"].email, password)
    page.goto(f"/meetings/{event.pk}/participants/")
    page.get_by_role("button", name=f"Check in {personas['clinician'].full_name}").click()
    expect(page.locator(".msg.success")).to_contain_text("is checked in")
    registration = Registration.objects.get()
    assert registration.checked_in_at is not None
    _sign_out(page)

    # The day before, the certificate is not issued yet, and the page says from when.
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/meetings/{event.pk}/")
    expect(page.locator(".registration")).to_contain_text("Certificates are issued from")
    expect(page.get_by_role("link", name="Download my certificate (PDF)")).to_have_count(0)

    _a_day_passes(event)
    page.goto(f"/meetings/{event.pk}/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download my certificate (PDF)").click()
    with open(info.value.path(), "rb") as f:
        text = PdfReader(io.BytesIO(f.read())).pages[0].extract_text()
    assert personas["clinician"].full_name in text
    assert "Workshop on low-grade gliomas" in text
    assert "3.00 hours" in text
