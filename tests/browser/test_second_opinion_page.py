"""A second opinion at phone width: the clinician asks Robert-Debré from the consultation's
page, its expert accepts and answers there, and the page shows both opinions, labelled, with
nothing wider than the phone (screenshots in CONSILIUM_SHOTS, in Vietnamese at the end)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consilium.accounts.models import Membership, Role, User
from consilium.consultations import actions
from consilium.network.models import AreaKind, PartnershipStatus
from tests.browser.pages import fits, sign_in
from tests.consultations.conftest import make_patient
from tests.network.helpers import confirmed_partnership

pytestmark = pytest.mark.browser


def test_a_second_opinion_asked_and_given_at_390px(
    browser,
    live_server,
    audit_triggers_off_after_test,
    settings,
    personas,
    password,
    partnership,
    institutions,
    tmp_path,
):
    shots = Path(os.environ.get("CONSILIUM_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    for key in ("clinician", "expert"):
        personas[key].language = "en"
        personas[key].save()
    confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Robert-Debré",
        institutions=[institutions["VNCH"], institutions["RDEBRE"]],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )
    anne = User.objects.create_user(
        "anne.leroy@debre.demo", password, full_name="Dr Anne Leroy", language="en"
    )
    Membership.objects.create(user=anne, institution=institutions["RDEBRE"], role=Role.EXPERT)
    case = actions.request_consultation(
        actor=personas["clinician"],
        patient=make_patient(personas),
        expert_institution=institutions["CURIE"],
        question="MYCN-amplified neuroblastoma: one or two HDCT courses?",
        urgency="routine",
        specialty="neuroblastoma",
    )
    actions.save_recommendation(
        actor=personas["expert"],
        consultation=case,
        fields={
            "diagnostic_opinion": "High-risk neuroblastoma, MYCN amplified, stage M.",
            "recommended_treatment": "Rapid COJEC induction, surgery, one HDCT course "
            "with busulfan-melphalan.",
        },
        finalise=True,
    )
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()

    # The clinician asks Robert-Debré, from the consultation's page, without JavaScript help.
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/consultations/{case.pk}/")
    page.locator("#second-opinion summary").click()
    form = page.locator("#second-opinion form")
    form.get_by_label("Ask the experts of").select_option(label="Hôpital Robert-Debré (AP-HP)")
    form.locator("#id_expert").select_option(label="Dr Anne Leroy")
    form.get_by_label("What should the second expert look at?").fill(
        "Tandem HDCT: would you give it here, with our transplant unit?"
    )
    fits(page)
    page.screenshot(path=str(shots / "1-ask.png"), full_page=True)
    form.get_by_role("button", name="Ask for a second opinion").click()
    expect(page.locator(".msg.success")).to_contain_text("The second opinion has been asked")
    expect(page.locator("#second-opinion")).to_contain_text("Invited")

    # Anne accepts and gives her opinion on the same page.
    sign_in(page, anne.email, password)
    page.goto(f"/consultations/{case.pk}/")
    expect(page.locator("main")).to_contain_text("asks for your second opinion")
    expect(page.locator("main")).not_to_contain_text("Nguyễn Văn An")
    page.get_by_role("button", name="Accept").click()
    page.get_by_label("Diagnostic opinion").fill("Agree: high-risk neuroblastoma.")
    page.get_by_label("Recommended treatment").fill(
        "Tandem HDCT (thiotepa, then busulfan-melphalan) if the transplant unit can do two."
    )
    fits(page)
    page.get_by_role("button", name="Finalise and send the report").click()
    expect(page.locator("main")).to_contain_text("Second opinion")

    # The clinician, in Vietnamese, reads both opinions, labelled, one after the other.
    personas["clinician"].language = "vi"
    personas["clinician"].save()
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/consultations/{case.pk}/")
    opinions = page.locator("section.opinion")
    expect(opinions).to_have_count(2)
    expect(opinions.nth(0)).to_contain_text("Institut Curie")
    expect(opinions.nth(0)).to_contain_text("Dr Claire Martin")
    expect(opinions.nth(1)).to_contain_text("Hôpital Robert-Debré")
    expect(opinions.nth(1)).to_contain_text("Dr Anne Leroy")
    fits(page)
    page.screenshot(path=str(shots / "2-both-opinions-vi.png"), full_page=True)
    opinions.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "3-both-opinions-vi-viewport.png"))
    context.close()
