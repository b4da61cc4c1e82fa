import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from consilium.network.models import Partnership
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_records_an_mou_signed_at_a_congress(page, personas, password, smtp_inbox):
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    sign_in(page, personas["coordinator"].email, password)
    page.get_by_role("link", name="Network").first.click()
    page.get_by_role("link", name="Record a partnership (MoU)").click()

    page.get_by_label("Title").fill("VNCH – Institut Curie – Robert-Debré")
    page.get_by_label("Institut Curie").check()
    page.get_by_label("Hôpital Robert-Debré (AP-HP)").check()
    page.get_by_label("Signed on").fill("2024-12-02")
    page.get_by_label("Where it was signed").fill("Pediatric Oncology Workshop 2024, Hanoi")
    page.get_by_label("Valid from").fill("2024-12-02")
    page.get_by_label("Valid until").fill(
        (timezone.localdate() + datetime.timedelta(days=5 * 365)).isoformat()
    )
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Training and retraining of specialists").check()
    page.get_by_label("Clinical case discussion by telemedicine").check()
    page.get_by_label("Supportive and palliative care").check()
    page.get_by_role("button", name="Record the partnership").click()
    expect(page.locator(".msg.success")).to_contain_text("The partnership has been recorded")

    soon = timezone.localdate() + datetime.timedelta(days=4)
    late = timezone.localdate() - datetime.timedelta(days=2)
    for area, title, due in [
        ("Training and retraining of specialists", "Two nurses trained in Paris", soon),
        ("Clinical case discussion by telemedicine", "Fortnightly tumour board", late),
        (
            "Supportive and palliative care",
            "Oral morphine pathway",
            soon + datetime.timedelta(days=90),
        ),
    ]:
        form = page.locator("form", has=page.get_by_role("button", name="Add", exact=True))
        form.get_by_label("Area").select_option(label=area)
        form.get_by_label("Activity or milestone").fill(title)
        form.get_by_label("Owner").select_option(label=personas["clinician"].full_name)
        form.get_by_label("Due on").fill(due.isoformat())
        form.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator(".msg.success")).to_contain_text("The milestone has been added")

    partnership = Partnership.objects.get()
    assert partnership.areas.count() == 3
    page.goto("/network/dashboard/")
    overdue = page.locator("table").first
    expect(overdue).to_contain_text("Fortnightly tumour board")

    call_command("send_reminders")
    call_command("worker", batch=True, verbosity=0)
    subjects = sorted(str(m["Subject"]) for m in smtp_inbox.messages)
    assert len(subjects) == 2
    assert {m["To"] for m in smtp_inbox.messages} == {personas["clinician"].email}


def test_a_partner_expert_sees_the_partners_resource_profile(page, personas, password):
    from consilium.network.actions import record_resource_profile
    from consilium.network.demo import RESOURCES

    record_resource_profile(
        actor=personas["coordinator"],
        institution=personas["coordinator"].memberships.get().institution,
        valid_from=datetime.date(2025, 1, 1),
        items=RESOURCES["VNCH"],
    )
    sign_in(page, personas["expert"].email, password)
    page.goto("/network/institutions/VNCH/")
    expect(page.get_by_role("cell", name="One scanner shared with adult services")).to_be_visible()
