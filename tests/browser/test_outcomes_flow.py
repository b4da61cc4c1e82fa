import pytest
from playwright.sync_api import expect

from consilium.accounts.models import Membership, Role
from tests.outcomes.conftest import (  # noqa: F401 - fixtures
    partnership,
    patients,
    sites,
    uzpho_data_manager,
)

pytestmark = pytest.mark.browser


def _sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main button[type=submit]").click()


def test_the_data_manager_compares_institutions_and_periods_and_downloads_the_figures(
    page,
    personas,
    password,
    patients,  # noqa: F811
    sites,  # noqa: F811
    partnership,  # noqa: F811
):
    manager = personas["data_manager"]
    manager.language = "en"
    manager.save()
    # A data manager of both hospitals, so that two institutions can be compared.
    Membership.objects.create(user=manager, institution=sites["UZPHO"], role=Role.DATA_MANAGER)
    _sign_in(page, manager.email, password)

    page.get_by_role("link", name="Outcomes").first.click()
    page.get_by_label("Endpoint").select_option("efs")
    page.get_by_label("Compare").select_option("institution")
    page.get_by_role("checkbox", name="VNCH").check()
    page.get_by_role("checkbox", name="UZPHO").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator("svg.km-chart title").first).to_contain_text("Event-free survival")
    table = page.locator("table").first
    expect(table).to_contain_text("VNCH")
    expect(table).to_contain_text("UZPHO")
    expect(page.locator(".logrank")).to_contain_text("Log-rank test")

    page.get_by_label("Compare").select_option("partnership")
    page.get_by_role("checkbox", name="UZPHO").uncheck()
    page.get_by_label("Partnership (before / after its start)").select_option(
        label="VNCH – Institut Curie (2020-01-01)"
    )
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table").first).to_contain_text("Before 2020-01-01")
    expect(page.locator("table").first).to_contain_text("From 2020-01-01")

    downloads = {}
    for name in ["Chart (SVG)", "estimates (CSV)", "Report (PDF)"]:
        with page.expect_download() as info:
            page.get_by_role("link", name=name).click()
        downloads[name] = info.value
    assert downloads["Chart (SVG)"].suggested_filename == "survival.svg"
    svg = downloads["Chart (SVG)"].path().read_text(encoding="utf-8")
    assert "<svg" in svg and "Number at risk" in svg
    csv_text = downloads["estimates (CSV)"].path().read_text(encoding="utf-8")
    assert csv_text.startswith("group,patients,events") and "Before 2020-01-01" in csv_text
    assert downloads["Report (PDF)"].path().read_bytes()[:5] == b"%PDF-"
