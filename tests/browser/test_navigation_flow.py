"""Navigation in a real browser on a phone-sized screen (390 px): the navigator sees
yesterday's missed visit, logs a call that reached the mother and the transport money given;
a child whose therapy stopped four weeks ago is a proposed abandonment, the data manager
confirms it, and the outcomes page shows the abandonment rate."""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consilium.navigation.actions import outreach, sweep
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.models import Contact, ProposedAbandonment, Support
from consilium.registry.models import FollowUpEvent
from tests.browser.pages import sign_in
from tests.registry.conftest import diagnosis_data, identity, patient_data

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("CONSILIUM_SCREENSHOTS", tempfile.gettempdir())) / "consilium-screens"


def _register(personas, vnch, name, number, diagnosed):
    from consilium.registry import actions

    return actions.register_patient(
        actor=personas["clinician"],
        institution=vnch,
        identity=identity(name=name, hospital_number=number),
        patient=patient_data(),
        diagnosis=diagnosis_data(date=diagnosed),
        confirm_duplicate=False,
    )


@pytest.fixture
def ward(personas):
    from consilium.network.models import Institution

    vnch = Institution.objects.get(code="VNCH")
    today = plan_actions.local_today(vnch)
    day = datetime.timedelta(days=1)
    missed = _register(personas, vnch, "Nguyễn Văn An", "BN24-00042", today - 120 * day)
    stopped = _register(personas, vnch, "Lò Thị Bình", "BN24-00077", today - 150 * day)
    navigator = personas["navigator"]
    plan_actions.create_plan_by_hand(
        actor=navigator,
        patient=missed,
        title="Induction",
        start_date=today - day,
        visits=[
            ("chemotherapy", "Cycle 3", today - day),
            ("chemotherapy", "Cycle 4", today + 20 * day),
        ],
    )
    outreach.add_family_contact(
        actor=navigator, patient=missed, relation="Mother", phone="+84 98 765 4321"
    )
    plan = plan_actions.create_plan_by_hand(
        actor=navigator,
        patient=stopped,
        title="Induction",
        start_date=today - 60 * day,
        visits=[
            ("chemotherapy", "C1", today - 60 * day),
            ("chemotherapy", "C2", today - 30 * day),
            ("chemotherapy", "C3", today - 9 * day),
        ],
    )
    plan_actions.mark_visit(actor=navigator, visit=plan.visits.get(label="C1"), status="attended")
    # The scheduler's run, at noon in Hanoi: yesterday's visit is past its day and grace.
    sweep.run(now=datetime.datetime.combine(today, datetime.time(5), tzinfo=datetime.UTC))
    for key in ("navigator", "data_manager"):
        personas[key].language = "en"
        personas[key].save()
    return missed, stopped


def test_the_navigator_brings_a_child_back_and_the_data_manager_confirms_an_abandonment(
    page, personas, password, ward
):
    missed, stopped = ward
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in(page, personas["navigator"].email, password)
    page.goto("/navigation/")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Yesterday's missed visits")
    )
    expect(section).to_contain_text(missed.pseudonym)
    expect(section).to_contain_text("Missed")
    page.screenshot(path=str(SHOTS / "navigation-390-navigator.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    section.get_by_role("link", name=missed.pseudonym).click()
    page.locator("#id_contact-kind").select_option("call")
    page.locator("#id_contact-reached_0").check()
    page.locator("#id_contact-spoke_with").fill("Mother")
    page.locator("#id_contact-agreed").fill("Comes back on Monday; bus fare given.")
    page.get_by_role("button", name="Log the contact").click()
    expect(page.get_by_text("The contact is logged.")).to_be_visible()
    page.get_by_text("Record support").click()
    page.locator("#id_support-kind").select_option("transport")
    page.locator("#id_support-amount").fill("300000")
    page.get_by_role("button", name="Record the support").click()
    expect(page.get_by_text("The support is recorded.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "navigation-390-child.png"), full_page=True)
    contact = Contact.objects.get()
    assert contact.reached and contact.spoke_with == "Mother"
    assert Support.objects.get().kind == "transport"

    sign_in(page, personas["data_manager"].email, password)
    page.goto("/navigation/")
    proposals = page.locator(
        "section", has=page.get_by_role("heading", name="Proposed abandonments")
    )
    expect(proposals).to_contain_text(stopped.pseudonym)
    # Two steps: the first tap opens what confirming does; only the second records it.
    proposals.get_by_text("Confirm", exact=True).click()
    expect(proposals).to_contain_text("in the child's registry record")
    assert ProposedAbandonment.objects.get().status == "proposed"
    proposals.get_by_role("button", name="Confirm the abandonment").click()
    expect(page.get_by_text("The abandonment is recorded in the registry.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "navigation-390-confirmed.png"), full_page=True)
    proposal = ProposedAbandonment.objects.get()
    assert proposal.status == "confirmed"
    assert FollowUpEvent.objects.get(kind="abandonment").date == proposal.abandonment_date

    page.goto("/outcomes/?institution=VNCH&endpoint=as_efs")
    block = page.locator("section.navigation-measures")
    expect(block).to_contain_text("Abandonment rate")
    expect(block).to_contain_text("50.0% (1/2)")
    block.screenshot(path=str(SHOTS / "navigation-390-outcomes.png"))
