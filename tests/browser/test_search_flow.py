"""Search as people use it, on a phone: the expert finds the earlier orbital cases from the
header box; the outsider finds nothing of them; the clinician sees similar past cases."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from tests.search.conftest import ORBITAL, make_case

pytestmark = pytest.mark.browser


@pytest.fixture
def past_cases(personas, partnership):
    cases = [
        make_case(
            personas,
            name=name,
            number=number,
            question=question,
            topography="C696",
            morphology="8910",
            stage_tumour="rhabdomyosarcoma",
            stage_value="1",
            advice="IVA for 9 courses; orbital radiotherapy if not in remission.",
        )
        for name, number, question in ORBITAL
    ]
    l2 = make_case(
        personas,
        name="Hoàng Gia Bảo",
        number="MEM-0004",
        question="L2 neuroblastoma, MYCN not amplified: surgery first?",
        mycn="not_detected",
        advice="Carboplatin-etoposide x4, then resection.",
        followed="fully",
    )
    return cases, l2


def test_the_expert_finds_the_orbital_cases_from_her_phone(page, personas, password, past_cases):
    for key in ("expert", "outsider", "clinician"):
        personas[key].language = "en"
        personas[key].save()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas["expert"].email, password)
    page.get_by_text("Menu", exact=True).click()  # on a phone the search box is in the menu
    box = page.locator("#menu-search")
    box.fill("rhabdo orbit")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")
    results = page.locator(".search-group li")
    expect(results).to_have_count(3)
    expect(page.locator(".search-group mark").first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Khang")  # a child's name, never shown
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, width

    sign_in(page, personas["outsider"].email, password)
    page.goto("/search/?q=rhabdo+orbit")
    expect(page.locator(".search-group li")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Nothing found")

    _, l2 = past_cases
    new = make_case(
        personas, name="Phan Bảo Ngọc", number="MEM-0006", question="New", mycn="not_detected"
    )
    sign_in(page, personas["clinician"].email, password)
    page.goto(f"/search/similar/?patient={new.patient_id}")
    similar = page.locator(".similar li")
    expect(similar.first).to_contain_text(l2.patient.pseudonym)
    expect(similar.first).to_contain_text("same group IVa")
    expect(similar.first).to_contain_text("Carboplatin-etoposide x4")
    expect(similar.first).to_contain_text("Fully followed")
    page.screenshot(path="test-results/search-similar-390.png", full_page=True)
