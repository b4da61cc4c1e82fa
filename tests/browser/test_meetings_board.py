"""A weekly VNCH – Curie board, at phone width: the coordinator creates it, the clinician
proposes a case, the agenda mail goes out with its PDF and .ics, the expert presents the
case and records the conclusion, which lands in the consultation's thread."""

import datetime
import email
import os
import subprocess
from email import policy
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from consilium.consultations.actions import request_consultation
from consilium.meetings import agenda_mail, attendance
from consilium.meetings.models import AgendaItem, Event
from tests.browser.pages import fits, sign_in
from tests.consultations.conftest import make_patient
from tests.consultations.fixtures import run_queued_tasks

pytestmark = pytest.mark.browser


def _shot(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_a_weekly_board_from_proposal_to_conclusion_at_390px(
    browser,
    live_server,
    audit_triggers_off_after_test,
    settings,
    personas,
    password,
    partnership,
    tmp_path,
):
    # Screenshots and the agenda PDF, to look at: CONSILIUM_SHOTS=dir keeps them there.
    shots = Path(os.environ.get("CONSILIUM_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    for key in ("coordinator", "clinician", "expert"):
        personas[key].language = "en"
        personas[key].save()
    case = request_consultation(
        actor=personas["clinician"],
        patient=make_patient(personas),
        expert_institution=partnership.parties.get(institution__code="CURIE").institution,
        question="MYCN-amplified neuroblastoma: one or two HDCT courses?",
        urgency="routine",
        specialty="neuroblastoma",
    )
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    # The coordinator creates a weekly board and lands on its first agenda.
    sign_in(page, personas["coordinator"].email, password)
    page.goto("/meetings/series/new/")
    page.get_by_label("Title").fill("VNCH – Curie tumour board")
    page.get_by_label("Institut Curie").check()
    page.get_by_label("Every how many weeks").fill("1")
    page.get_by_label("Weekday").select_option(str(tomorrow.weekday()))
    page.locator("#id_start_time").fill("20:00")
    page.get_by_label("Duration (minutes)").fill("90")
    page.get_by_label("Time zone").select_option("Asia/Ho_Chi_Minh")
    page.get_by_label("First meeting on or after").fill(tomorrow.isoformat())
    page.get_by_label("Plan how many weeks ahead").fill("4")
    page.get_by_label("Online link").fill("https://meet.jit.si/VNCH-Curie")
    page.get_by_label("Send a board's agenda how many hours before").fill("48")
    page.get_by_role("button", name="Plan the meetings").click()
    expect(page.locator("h1")).to_have_text("Case-discussion agenda")
    expect(page.locator("main")).to_contain_text("Who adds cases: clinicians of")
    board = Event.objects.order_by("starts_at").first()
    fits(page)
    page.goto("/meetings/")
    expect(page.get_by_role("link", name="VNCH – Curie tumour board").first).to_be_visible()

    # The clinician proposes her consultation for the next board.
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/consultations/{case.pk}/")
    page.get_by_role("link", name="Present at the next tumour board").click()
    page.get_by_role("button", name="Propose for this board").click()
    expect(page.locator(".msg.success")).to_contain_text("coordinator puts it on the agenda")

    # The coordinator accepts it and makes Claire its presenter.
    for key in ("clinician", "expert"):
        attendance.register(
            actor=personas["coordinator"], event=board, user=personas[key], mode="online"
        )
    sign_in(page, personas["coordinator"].email, password)
    page.goto(f"/meetings/{board.pk}/agenda/")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".msg.success")).to_contain_text("The case is on the agenda")
    page.get_by_label("Minutes").fill("30")
    page.get_by_label("Presenter").select_option(label="Dr Claire Martin")
    page.get_by_role("button", name="Save the order, times and presenters").click()
    expect(page.locator("main")).to_contain_text("Presented by Dr Claire Martin")
    expect(page.locator("main")).to_contain_text(case.patient.pseudonym)
    expect(page.locator("main")).to_contain_text("Neuroblastoma")
    fits(page)
    _shot(page, shots, "1-agenda-coordinator")

    # The scheduler sends the agenda: a PDF and an .ics, in Claire's zone.
    mail.outbox.clear()
    assert agenda_mail.send_due_agendas()["first"] == 2
    run_queued_tasks("consilium.meetings.agenda_mail.send_agenda")
    [to_claire] = [m for m in mail.outbox if m.to == [personas["expert"].email]]
    parsed = email.message_from_bytes(to_claire.message().as_bytes(), policy=policy.default)
    parts = {p.get_content_type(): p for p in parsed.iter_attachments()}
    assert set(parts) == {"application/pdf", "text/calendar"}
    pdf = shots / "agenda.pdf"
    pdf.write_bytes(parts["application/pdf"].get_content())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(shots / "agenda")],
        check=True,
    )
    assert "Europe/Paris" in to_claire.body

    # At the session Claire presents the case and records the board's conclusion.
    now = timezone.now()
    Event.objects.filter(pk=board.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=1)
    )
    sign_in(page, personas["expert"].email, password)
    page.goto(f"/meetings/{board.pk}/agenda/")
    expect(page.get_by_role("link", name="Join")).to_be_visible()
    page.get_by_role("link", name="Presentation view").click()
    expect(page.locator("h1")).to_contain_text(case.patient.pseudonym)
    expect(page.locator("main")).to_contain_text("one or two HDCT courses?")
    expect(page.locator("main")).not_to_contain_text("Nguyễn Văn An")
    fits(page)
    _shot(page, shots, "2-presentation")
    page.get_by_role("link", name="Agenda").click()
    page.get_by_text("Record the board's conclusion").click()
    page.get_by_label("Diagnosis").fill("High-risk neuroblastoma, MYCN amplified.")
    page.get_by_label("Stage / risk").fill("M, high risk")
    page.get_by_label("Recommended plan").fill("Rapid COJEC, surgery, tandem HDCT.")
    page.get_by_label("Who acts next").fill("Dr Lan starts COJEC on Monday.")
    page.get_by_role("button", name="Post in the consultation").click()
    expect(page.locator(".msg.success")).to_contain_text("posted in the consultation's thread")
    _shot(page, shots, "3-concluded")
    assert AgendaItem.objects.get().recorded_at is not None

    # It is in the consultation's thread, as its recommendation: the loop asks Lan later.
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/consultations/{case.pk}/")
    expect(page.locator("main")).to_contain_text("Rapid COJEC, surgery, tandem HDCT.")
    expect(page.locator("main")).to_contain_text("Close the loop")
    fits(page)
    _shot(page, shots, "4-thread")
    context.close()
