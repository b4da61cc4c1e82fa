"""The library in a real browser: a procedure is published, acknowledged and audited; a sample
goes to the partner laboratory and its result reaches the registry."""

import datetime

import pytest
from playwright.sync_api import expect

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.library.models import DocumentVersion, SendOut
from consilium.network.models import AreaKind, Institution, PartnershipStatus
from tests.browser.pages import sign_in
from tests.network.conftest import PDF
from tests.network.helpers import confirmed_partnership

pytestmark = pytest.mark.browser

NURSE_PASSWORD = "nurse-password-1"


@pytest.fixture
def network(personas):
    institutions = {i.code: i for i in Institution.objects.all()}
    confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[institutions["VNCH"], institutions["CURIE"]],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=None,
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.INFECTION_CONTROL: "", AreaKind.MOLECULAR: ""},
    )
    nurses = []
    for email, name in (("mai.le@vnch.test", "Lê Thị Mai"), ("thu.vo@vnch.test", "Võ Thị Thu")):
        nurse = User.objects.create_user(
            email, NURSE_PASSWORD, full_name=name, profession=Profession.NURSE, language="en"
        )
        Membership.objects.create(user=nurse, institution=institutions["VNCH"], role=Role.CLINICIAN)
        nurses.append(nurse)
    for key in ("coordinator", "expert", "clinician"):
        personas[key].language = "en"
        personas[key].save()
    return institutions, nurses


def test_a_procedure_is_published_acknowledged_and_audited(
    page, personas, password, network, tmp_path
):
    _institutions, nurses = network
    pdf = tmp_path / "bundle.pdf"
    pdf.write_bytes(PDF)

    sign_in(page, personas["coordinator"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="New document").click()
    page.get_by_label("Kind").select_option("sop")
    page.get_by_label("Code").fill("IC-BUNDLE")
    page.get_by_label("Title").fill("Central-line bundle")
    page.get_by_label("Original language").select_option("en")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator(".msg.success")).to_contain_text("created as a draft")

    page.get_by_label("File (PDF)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach", exact=True).click()
    page.get_by_label("Reviewer").select_option(label=personas["expert"].full_name)
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator("h1")).to_contain_text("Under review")
    version_url = page.url

    sign_in(page, personas["expert"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto(version_url)
    page.get_by_label("Approved").check()
    page.get_by_role("button", name="Record my review").click()
    expect(page.locator(".msg.success")).to_contain_text("review has been recorded")

    sign_in(page, personas["coordinator"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto(version_url)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("h1")).to_contain_text("Approved")
    page.get_by_text("Derive a checklist from this procedure").click()
    page.get_by_label("Checklist title").fill("Central-line bundle")
    page.get_by_label("Items, one per line").fill(
        "Hand hygiene before touching the line\nHub scrubbed for 15 seconds\nDressing dated"
    )
    page.get_by_role("button", name="Create the checklist").click()
    checklist_url = page.url

    page.goto(f"/library/documents/{DocumentVersion.objects.get().document_id}/")
    page.get_by_label("Nurse").check()
    page.get_by_role("button", name="Put in force").click()
    expect(page.locator(".msg.success")).to_contain_text("is in force")
    adoption_url = page.url

    for nurse in nurses:
        sign_in(page, nurse.email, NURSE_PASSWORD)
        expect(page.get_by_role("link", name="Library")).to_be_visible()
        page.get_by_role("link", name="Library").click()
        page.get_by_role("link", name="Central-line bundle, version 1").click()
        page.get_by_role("button", name="I have read this version").click()
        expect(page.locator(".msg.success")).to_contain_text("acknowledgement has been recorded")

    sign_in(page, personas["coordinator"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto(adoption_url)
    # The two nurses of the test and the demo's navigator, a nurse at VNCH too.
    expect(page.locator("dl.facts")).to_contain_text("2 / 3")

    def record_round(day: str, results: list[str]) -> None:
        page.goto(checklist_url)
        page.get_by_role("link", name="Record an audit round").click()
        page.get_by_label("Unit (ward)").fill("Oncology ward 3")
        page.get_by_label("Audited on").fill(day)
        for n, result in enumerate(results):
            page.locator("fieldset.observation").nth(n).get_by_label(result, exact=True).check()
        page.get_by_role("button", name="Record the round").click()
        expect(page.locator(".msg.success")).to_contain_text("audit round has been recorded")

    record_round("2025-01-15", ["Compliant", "Not compliant", "Not compliant"])
    chart = page.locator("svg.line-chart")
    expect(chart).to_be_visible()
    before = chart.inner_html()
    expect(page.locator("#compliance-table")).to_contain_text("33.3 % (1/3)")

    record_round("2025-02-15", ["Compliant", "Compliant", "Not applicable"])
    assert page.locator("svg.line-chart").inner_html() != before
    expect(page.locator("#compliance-table")).to_contain_text("100.0 % (2/2)")
    expect(page.locator("svg.line-chart circle")).to_have_count(2)


def test_a_send_out_goes_from_request_to_a_marker_in_the_registry(
    page, personas, password, network
):
    from consilium.registry import actions as registry_actions
    from tests.registry.conftest import diagnosis_data, identity, patient_data

    institutions, _nurses = network
    patient = registry_actions.register_patient(
        actor=personas["clinician"],
        institution=institutions["VNCH"],
        identity=identity(),
        patient=patient_data(),
        diagnosis=diagnosis_data(),
    )

    sign_in(page, personas["clinician"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto("/library/sendouts/")
    page.get_by_role("link", name="Request a test").click()
    page.get_by_label("Patient pseudonym").fill(patient.pseudonym)
    page.get_by_label("Laboratory").select_option(label="Institut Curie")
    page.locator("#id_test").select_option("mycn")
    page.get_by_label("Sample type").select_option("ffpe_block")
    page.get_by_label("Collected on").fill("2024-02-03")
    page.get_by_label("Fixation").select_option("formalin")
    page.get_by_label("Tumour cells (%)").fill("70")
    page.get_by_role("button", name="Request the test").click()
    expect(page.locator("h1")).to_contain_text("Requested")
    sendout_url = page.url

    page.get_by_label("Courier").fill("DHL Medical Express")
    page.get_by_label("Tracking number").fill("JD014600003828")
    page.get_by_label("Temperature").select_option("ambient")
    page.get_by_role("button", name="Shipped").click()
    expect(page.locator("h1")).to_contain_text("Shipped")

    sign_in(page, personas["expert"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto(sendout_url)
    expect(page.locator("main")).not_to_contain_text("Nguyễn Văn An")
    expect(page.locator("main")).not_to_contain_text("BN24-00042")
    page.get_by_role("button", name="Sample received").click()
    expect(page.locator("h1")).to_contain_text("Received")
    page.locator("#id_marker").select_option("MYCN")
    page.locator("#id_result").select_option("detected")
    page.get_by_label("Method").select_option("fish")
    page.get_by_label("Report summary").fill("MYCN amplified, >10 copies.")
    page.get_by_role("button", name="Report the result").click()
    expect(page.locator("h1")).to_contain_text("Reported")
    assert SendOut.objects.get().status == "reported"

    sign_in(page, personas["clinician"].email, password)
    expect(page.get_by_role("link", name="Library")).to_be_visible()

    expect(page.get_by_role("link", name="Library")).to_be_visible()
    page.goto(sendout_url)
    page.get_by_role("link", name=patient.pseudonym).click()
    expect(page.locator("main")).to_contain_text("MYCN: Detected")
    expect(page.locator("main")).to_contain_text("Institut Curie")
