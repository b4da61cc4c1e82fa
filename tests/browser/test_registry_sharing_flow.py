"""At 390 px in Vietnamese: the outcomes page exports this site's aggregate file and sets
another site's file beside it; the import page reads back a FHIR Bundle the registry exported.
Screenshots go to CONSILIUM_SCREENS (when set) for a person to look at."""

import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from consilium.core.demo_data import DEMO_PASSWORD
from consilium.network.demo import load_demo as network_demo
from consilium.network.models import Institution
from consilium.outcomes import exchange
from consilium.registry import fhir
from consilium.registry.demo import load_demo as registry_demo

pytestmark = pytest.mark.browser

DEMO_DATA_MANAGER = "minh.tran@vnch.demo"


def _shot(page, name):
    if folder := os.environ.get("CONSILIUM_SCREENS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_the_data_manager_shares_aggregates_and_reads_fhir_back_on_a_phone(
    page, personas, tmp_path
):
    network_demo()
    registry_demo()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.locator("input[type=email], input[name=login]").first.fill(DEMO_DATA_MANAGER)
    page.locator("input[type=password]").first.fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto("/")
    page.evaluate("document.cookie = 'django_language=vi; path=/'")

    page.goto("/outcomes/#sharing")
    expect(page.locator("#sharing-title")).to_have_text("Chia sẻ với các cơ sở khác")
    with page.expect_download() as info:
        page.locator(".sharing-exports a").first.click()
    own = json.loads(info.value.path().read_text(encoding="utf-8"))
    # The demo data manager answers for KHOSP and VNCH: the first link is KHOSP's.
    assert own["site"] == "KHOSP" and own["format"] == "consilium-outcomes"
    page.locator("#sharing").scroll_into_view_if_needed()
    _shot(page, "outcomes-sharing-vi-390.png")

    other = tmp_path / "VNCH.json"
    other.write_text(json.dumps(exchange.export_document(Institution.objects.get(code="VNCH"))))
    page.locator("#sharing input[type=file]").set_input_files(str(other))
    page.locator("#sharing button").click()
    expect(page.locator("table").first).to_contain_text("VNCH")
    _shot(page, "outcomes-compared-vi-390.png")

    bundle = tmp_path / "VNCH-fhir.json"
    bundle.write_text("".join(fhir.bundle_chunks(Institution.objects.get(code="VNCH"))))
    page.goto("/registry/import/")
    page.locator("input[type=file]").set_input_files(str(bundle))
    page.locator("main form button[type=submit], main form button").first.click()
    call_command("worker", batch=True, verbosity=0)
    page.reload()
    _shot(page, "fhir-import-preview-vi-390.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
