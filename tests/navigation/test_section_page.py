"""The navigator's page shows the most urgent few of each list; a section page shows the
whole list a page at a time; the day list is paged too."""

import pytest
from django.db import connection
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.navigation import queries, sections
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import sweep
from consilium.navigation.views import day as day_view
from tests.navigation.conftest import days
from tests.navigation.test_navigator_page import swept  # noqa: F401 - fixture
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db

HOME = reverse("navigation:home")


def section_url(key: str, page: object = None) -> str:
    url = reverse("navigation:section", args=[key]) + "?institution=VNCH"
    return url if page is None else f"{url}&page={page}"


@pytest.fixture
def children(personas, make_patient):
    """Four children, each with a visit missed and one due today, swept: four children with
    outreach due (all due today, the day the sweep found the misses), the first child with
    two open tasks."""
    made = []
    for n in range(4):
        patient = make_patient(name=f"Trần Thị {n}", number=f"BN24-1000{n}")
        plan_actions.create_plan_by_hand(
            actor=personas["navigator"],
            patient=patient,
            title="Induction",
            start_date=days(-10 + n),
            visits=[
                ("chemotherapy", "C1", days(-10 + n)),
                ("chemotherapy", "C2", days(0)),
            ]
            + ([("chemotherapy", "C0", days(-20))] if n == 0 else []),
        )
        made.append(patient)
    sweep.run(now=at(days(0), 7))
    return made


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(sections, "HOME_ROWS", 2)
    monkeypatch.setattr(sections, "PAGE_ROWS", 3)


def outreach_section(page: str) -> str:
    return page.split('id="outreach-h"')[1].split("</section>")[0]


def test_it_shows_the_most_urgent_few_with_the_count_and_a_link_to_all(client_for, children, small):
    response = client_for("navigator").get(HOME)
    assert response.status_code == 200
    section = outreach_section(response.content.decode())
    assert "Outreach due (4)" in section
    assert children[0].pseudonym in section and children[1].pseudonym in section
    assert children[2].pseudonym not in section
    assert section.count("<li>") == 2
    assert f'href="{section_url("outreach")}"'.replace("&", "&amp;") in section
    assert "Show all 4" in section


def test_it_never_offers_to_show_all_of_a_list_it_shows_whole(client_for, children):
    page = client_for("navigator").get(HOME).content.decode()
    assert "Outreach due (4)" in page
    assert "Show all" not in page  # every list fits in HOME_ROWS (10) here
    assert "Show all 0" not in page


def test_the_section_page_shows_every_child_a_page_at_a_time(client_for, children, small):
    client = client_for("navigator")
    first = client.get(section_url("outreach"))
    second = client.get(section_url("outreach", 2))
    assert first.status_code == second.status_code == 200
    one, two = first.content.decode(), second.content.decode()
    assert [c.pseudonym in one for c in children] == [True, True, True, False]
    assert [c.pseudonym in two for c in children] == [False, False, False, True]
    assert "Page 1 of 2" in one and "Page 2 of 2" in two
    assert "and 1 more" in one  # the first child's second open task, on its one row
    viewed = AuditEntry.objects.filter(verb="navigation.section_viewed").order_by("pk")
    assert [(e.details["section"], e.details["page"]) for e in viewed] == [
        ("outreach", 1),
        ("outreach", 2),
    ]


@pytest.mark.parametrize("key", list(sections.SECTIONS))
def test_every_section_page_opens(client_for, children, key):
    assert client_for("navigator").get(section_url(key)).status_code == 200


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("99", "page 2 of 2"), ("0", "page 1 of 2"), ("abc", "page 1 of 2"), ("9" * 40, "page 2")],
)
def test_a_page_that_is_not_there_shows_the_nearest_and_says_so(
    client_for, children, small, asked, shown
):
    response = client_for("navigator").get(section_url("outreach", asked))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"There is no page “{asked[:20]}”; this is {shown}" in page


def test_an_empty_list_has_one_page_and_no_pager(client_for, personas):
    response = client_for("navigator").get(section_url("proposed", 3))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Proposed abandonments (0)" in page and "None." in page
    assert "this is page 1 of 1" in page and 'class="pager"' not in page


def test_an_unknown_section_is_a_clear_not_found(client_for, personas):
    response = client_for("navigator").get(section_url("nonsense"))
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no list “nonsense”" in page
    assert section_url("outreach").replace("&", "&amp;") in page


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_shows_others_nothing(client_for, children, persona):
    client = client_for(persona)
    assert client.get(section_url("outreach")).status_code == 404
    assert client.get(reverse("navigation:section", args=["outreach"])).status_code == 404
    assert client.get(section_url("nonsense")).status_code == 404


def test_it_sends_the_signed_out_to_sign_in(client, children):
    response = client.get(section_url("outreach"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_navigators_page_reads_the_same_few_queries_however_long_its_lists(
    client_for, children, make_patient, personas, django_assert_num_queries, small
):
    client = client_for("navigator")
    client.get(HOME)  # the session and the caches warm
    with django_assert_num_queries(QUERIES_HOME) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    for n in range(4, 7):
        patient = make_patient(name=f"Lê Văn {n}", number=f"BN24-2000{n}")
        plan_actions.create_plan_by_hand(
            actor=personas["navigator"],
            patient=patient,
            title="Induction",
            start_date=days(-3),
            visits=[("chemotherapy", "C1", days(-3)), ("chemotherapy", "C2", days(0))],
        )
    sweep.run(now=at(days(1), 7))
    with django_assert_num_queries(len(captured.captured_queries)):
        response = client.get(HOME)
    assert response.status_code == 200


def test_a_section_page_reads_a_fixed_number_of_queries(
    client_for, children, small, django_assert_num_queries
):
    client = client_for("navigator")
    client.get(section_url("outreach"))
    for key in sections.SECTIONS:
        with django_assert_num_queries(QUERIES_SECTION[key] - AUDIT_SAVED):
            response = client.get(section_url(key, 2))
        assert response.status_code == 200


def test_the_day_list_is_paged(client_for, children, monkeypatch):
    monkeypatch.setattr(day_view, "DAY_ROWS", 3)
    client = client_for("navigator")
    url = reverse("navigation:day") + "?institution=VNCH"
    one = client.get(url)
    two = client.get(url + "&page=2")
    beyond = client.get(url + "&page=7")
    assert one.status_code == two.status_code == beyond.status_code == 200
    one, two, beyond = (r.content.decode() for r in (one, two, beyond))
    assert "(4)" in one and "Page 1 of 2" in one and "Page 2 of 2" in two
    assert sum(c.pseudonym in one for c in children) == 3
    assert sum(c.pseudonym in two for c in children) == 1
    assert "There is no page “7”; this is page 2 of 2." in beyond


def test_ticking_a_page_of_the_day_list_comes_back_to_it(client_for, children, monkeypatch):
    monkeypatch.setattr(day_view, "DAY_ROWS", 3)
    last = queries.day_rows(children[0].institution, days(0), 3, 3)[0]
    response = client_for("navigator").post(
        reverse("navigation:day") + "?institution=VNCH&page=2", {"attended": [str(last.pk)]}
    )
    assert response.status_code == 302 and response["Location"].endswith("&page=2")
    last.refresh_from_db()
    assert last.status == "attended"


def test_the_call_list_holds_every_child_however_many(client_for, children, monkeypatch):
    import subprocess
    import tempfile

    monkeypatch.setattr(sections, "HOME_ROWS", 1)
    monkeypatch.setattr(queries, "TASK_CHUNK", 2)  # the walk over the tasks takes rounds
    response = client_for("navigator").get(reverse("navigation:call_list"))
    assert response.status_code == 200
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(response.content)
        pdf.flush()
        text = subprocess.run(
            ["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    assert all(child.pseudonym in text for child in children)
    assert "4 families to call" in text


def test_the_walk_over_tasks_pages_children_without_gaps_or_repeats(children, vnch, monkeypatch):
    monkeypatch.setattr(queries, "TASK_CHUNK", 2)
    whole = [t.patient_id for t in queries.outreach_rows(vnch, days(0))]
    paged = [
        t.patient_id
        for offset in range(0, 4, 3)
        for t in queries.outreach_rows(vnch, days(0), offset, 3)
    ]
    assert whole == paged == [c.pk for c in children]
    assert queries.outreach_count(vnch, days(0)) == 4
    assert [t.more for t in queries.outreach_rows(vnch, days(0))] == [1, 0, 0, 0]


# Session, user, roles, institution, the audit entry (4), then per list its rows (the
# outreach walk, its tasks and their counts; a day's ids then its rows) and, when a list
# overflows, its count.
# The audit entry is 4 queries on SQLite (sealed as written) and one INSERT on PostgreSQL.
AUDIT_SAVED = 0 if connection.vendor == "sqlite" else 3
QUERIES_HOME = 21 - AUDIT_SAVED
# Session, user, roles, institution, the count, the rows, the audit entry (4), the
# data manager's right to decide; the outreach walk reads its tasks and their counts too, a
# day its ids then its rows.
QUERIES_SECTION = {
    "missed": 10,
    "outreach": 12,
    "interrupted": 10,
    "proposed": 10,
    "high-risk": 10,
    "expected": 11,
}


def test_rows_of_proposals_and_high_risk_cost_no_query_each(
    client_for,
    swept,  # noqa: F811 - the fixture
    django_assert_num_queries,
):
    """The swept child has a proposal and a high-risk profile: their rows read nothing more."""
    client = client_for("navigator")
    client.get(HOME)  # the session and the caches warm
    for key in ("proposed", "high-risk", "interrupted"):
        with django_assert_num_queries(QUERIES_SECTION[key] - AUDIT_SAVED):
            response = client.get(section_url(key))
        assert response.status_code == 200
        assert swept_pseudonym(response) is True


def swept_pseudonym(response) -> bool:
    from consilium.registry.models import Patient

    return Patient.objects.get().pseudonym in response.content.decode()
