import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from consilium.consultations import clock
from consilium.consultations.models import Consultation
from tests.browser.pages import sign_in
from tests.consultations.conftest import make_patient
from tests.consultations.dicom_files import ct_slice, phone_photo

pytestmark = pytest.mark.browser


def test_a_consultation_from_hanoi_to_paris_and_back(
    page, personas, password, partnership, smtp_inbox, tmp_path
):
    for key in ("clinician", "expert"):
        personas[key].language = "en"
        personas[key].save()
    patient = make_patient(personas)
    (tmp_path / "ct.dcm").write_bytes(ct_slice())
    (tmp_path / "abdomen.jpg").write_bytes(phone_photo())

    sign_in(page, personas["clinician"].email, password)
    page.goto("/consultations/")
    page.get_by_role("link", name="Ask a partner").click()
    # The patient is found by a search, not picked from a list of every pseudonym.
    page.get_by_label("Find the patient").fill(patient.pseudonym)
    page.locator("#patient-chooser button").click()
    page.get_by_role("radio", name=patient.pseudonym).check()
    page.get_by_label("Ask the experts of").select_option(label="Institut Curie")
    page.get_by_label("Your question").fill(
        "MYCN-amplified neuroblastoma: one or two HDCT courses?"
    )
    page.get_by_label("Specialty needed").fill("neuroblastoma")
    page.get_by_label("Imaging").fill("Left adrenal mass 9 cm")
    page.get_by_label("Attachments").set_input_files(
        [tmp_path / "ct.dcm", tmp_path / "abdomen.jpg"]
    )
    page.get_by_role("button", name="Send the consultation").click()
    expect(page.locator(".msg.success")).to_contain_text("Your consultation has been sent")
    consultation = Consultation.objects.get()
    expect(
        page.get_by_role("img", name=f"DICOM preview {patient.pseudonym}-01.dcm")
    ).to_be_visible()

    sign_in(page, personas["expert"].email, password)
    page.goto(f"/consultations/{consultation.pk}/")
    expect(page.get_by_text(patient.pseudonym).first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Nguyễn Văn An")
    page.get_by_role("button", name="Accept").click()
    page.get_by_label("Diagnostic opinion").fill("High-risk neuroblastoma.")
    page.get_by_label("Recommended treatment").fill("Rapid COJEC, surgery, one HDCT course.")
    page.get_by_role("button", name="Finalise and send the report").click()
    expect(page.locator(".msg.success")).to_contain_text("The recommendation is final")
    call_command("worker", batch=True, verbosity=0)
    consultation.refresh_from_db()
    assert consultation.recommendations.get().report.read().startswith(b"%PDF-")

    # Weeks later the clock asks the requesting team whether the advice was followed.
    later = consultation.recommended_at + datetime.timedelta(weeks=9)
    assert clock.run(later)["follow_ups"] == 1
    call_command("worker", batch=True, verbosity=0)
    asked = [m for m in smtp_inbox.messages if "followed" in str(m["Subject"])]
    assert {m["To"] for m in asked} >= {personas["clinician"].email}

    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/consultations/{consultation.pk}/")
    page.get_by_label("Partly followed").check()
    page.get_by_label("Drug not available").check()
    page.get_by_role("button", name="Send the outcome").click()
    expect(page.locator(".msg.success")).to_contain_text("the loop is closed")
    page.goto("/consultations/turnaround/")
    expect(page.get_by_role("row", name="Partly followed 1")).to_be_visible()
    expect(page.get_by_role("row", name="Drug not available 1")).to_be_visible()
