import re

import pytest
from playwright.sync_api import expect

from consilium.registry.models import Patient
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def unhashed_static(settings):
    # The live server serves static files through the finders, which know only unhashed names:
    # without this, htmx would not load and the look-up and live checks would not run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_it_enters_a_patient_with_the_keyboard_and_finds_it_in_the_list(
    page, unhashed_static, personas, password
):
    sign_in(page, personas["data_manager"].email, password)
    expect(page.get_by_role("link", name="Registry")).to_be_visible()
    page.get_by_role("link", name="Registry").click()
    page.get_by_role("link", name="Register a patient").click()

    keyboard = page.keyboard
    page.get_by_label("Name").focus()
    keyboard.type("Hoàng Minh Khang")
    keyboard.press("Tab")
    keyboard.type("BN24-07777")  # hospital number
    keyboard.press("Tab")
    keyboard.type("09092018")  # date of birth, dd mm yyyy in en-GB
    page.get_by_label("Sex").focus()  # Tab walks through the date's day, month and year
    keyboard.type("m")  # sex: Male
    page.get_by_label("Date of diagnosis").focus()
    keyboard.type("03062024")
    page.get_by_label("Topography (site)").focus()
    keyboard.type("C71")  # topography: looked up as typed
    expect(page.locator("#topography-codes option[value='C71.6']")).to_have_count(1)
    keyboard.type(".6")
    keyboard.press("Tab")
    keyboard.type("medullo")
    expect(page.locator("#morphology-codes option[value='9470/3']")).to_have_count(1)
    page.get_by_label("Morphology").fill("")
    keyboard.type("9470/3")
    page.get_by_label("Basis of diagnosis").focus()
    keyboard.type("7")
    # The checks run as the form is filled: medulloblastoma wants its Toronto stage.
    expect(page.locator("#checks")).to_contain_text("record the stage")
    page.get_by_label("Toronto tier").focus()
    keyboard.type("T")  # Tier 1
    page.get_by_label("Toronto stage").focus()
    keyboard.type("M0")
    keyboard.press("Tab")
    expect(page.locator("#checks .badge.err")).to_have_count(0)
    page.get_by_label("Toronto stage").focus()
    keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/registry/patients/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("VNCH-2024-0001")
    expect(page.locator(".identity")).to_contain_text("Hoàng Minh Khang")

    page.get_by_role("link", name="Registry").first.click()
    page.get_by_label("Pseudonym or hospital number").fill("BN24-07777")
    page.get_by_label("Pseudonym or hospital number").press("Enter")
    expect(page.get_by_role("link", name="VNCH-2024-0001")).to_be_visible()
    patient = Patient.objects.get()
    assert patient.diagnoses.get().stage_value == "M0"
    assert patient.identity.birth_date.isoformat() == "2018-09-09"
