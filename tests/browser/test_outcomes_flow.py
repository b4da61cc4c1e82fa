import pytest
from playwright.sync_api import expect

from consilium.core.demo_data import DEMO_PASSWORD
from consilium.network.demo import load_demo as network_demo
from consilium.registry.demo import load_demo as registry_demo
from consilium.registry.models import Patient
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser

DEMO_DATA_MANAGER = "minh.tran@vnch.demo"


def test_the_demo_data_manager_compares_two_institutions_and_a_partnership_period(page, personas):
    # The demo as `consilium demo` loads it (the modules the outcomes page reads): nothing
    # is added for the test, the data manager's roles are the demo's own.
    network_demo()
    registry_demo()
    counts = {
        code: Patient.objects.filter(institution__code=code).count() for code in ("VNCH", "KHOSP")
    }
    sign_in(page, DEMO_DATA_MANAGER, DEMO_PASSWORD)

    page.get_by_role("link", name="Outcomes").first.click()
    page.get_by_label("Endpoint").select_option("efs")
    page.get_by_label("Compare").select_option("institution")
    page.get_by_role("checkbox", name="VNCH", exact=True).check()
    page.get_by_role("checkbox", name="KHOSP", exact=True).check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator("svg.km-chart title").first).to_contain_text("Event-free survival")
    table = page.locator("table").first
    for code, patients in counts.items():
        row = table.locator("tr", has_text=code)
        expect(row).to_have_count(1)
        expect(row.locator("td").first).to_have_text(str(patients))
    expect(page.locator(".logrank")).to_contain_text("Log-rank test")

    # Before/after the demo's Hanoi–Paris partnership (signed at the 2024 Hanoi workshop).
    page.get_by_label("Compare").select_option("partnership")
    page.get_by_role("checkbox", name="KHOSP", exact=True).uncheck()
    page.get_by_label("Partnership (before / after its start)").select_option(
        label="Vietnam National Children's Hospital – Institut Curie – Hôpital Robert-Debré"
        " (2024-12-02)"
    )
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table").first).to_contain_text("Before 2024-12-02")
    expect(page.locator("table").first).to_contain_text("From 2024-12-02")

    downloads = {}
    for name in ["Chart (SVG)", "estimates (CSV)", "Report (PDF)"]:
        with page.expect_download() as info:
            page.get_by_role("link", name=name).click()
        downloads[name] = info.value
    assert downloads["Chart (SVG)"].suggested_filename == "survival.svg"
    svg = downloads["Chart (SVG)"].path().read_text(encoding="utf-8")
    assert "<svg" in svg and "Number at risk" in svg
    csv_text = downloads["estimates (CSV)"].path().read_text(encoding="utf-8")
    assert csv_text.startswith("group,patients,events") and "Before 2024-12-02" in csv_text
    assert downloads["Report (PDF)"].path().read_bytes()[:5] == b"%PDF-"
