"""The archive under the queue at /consultations/: every consultation the reader may see,
filters that combine from the URL, sorting, paging, an audited read, and nothing for an
outsider."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from consilium.audit.models import AuditEntry
from consilium.consultations.archive import PAGE_SIZE
from consilium.consultations.history import PastConsultation, record_past_consultations

from .conftest import make_patient

RECOMMENDATION = {"recommended_treatment": "Follow the SIOPEN HR-NBL2 arms locally."}


def _medulloblastoma_patient(personas):
    from consilium.network.models import Institution
    from consilium.registry.actions import register_patient
    from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

    return register_patient(
        actor=personas["clinician"],
        institution=Institution.objects.get(code="VNCH"),
        identity=IdentityData(
            name="Trần Thị Bình", birth_date=datetime.date(2017, 8, 2), hospital_number="BN-88"
        ),
        patient=PatientData(
            sex="female",
            region="Hà Nội",
            consent_status="given",
            consent_date=datetime.date(2024, 6, 1),
        ),
        diagnosis=DiagnosisData(
            date=datetime.date(2024, 6, 1),
            topography="C716",
            morphology="9470",
            behaviour="3",
            basis_of_diagnosis="7",
        ),
        confirm_duplicate=True,
    )


def _case(personas, institutions, patient, question, days_ago, **extra):
    now = timezone.now()
    return PastConsultation(
        requested_by=personas["clinician"],
        patient=patient,
        expert_institution=institutions["CURIE"],
        expert=personas["expert"],
        question=question,
        urgency=extra.pop("urgency", "routine"),
        created_at=now - datetime.timedelta(days=days_ago),
        **extra,
    )


@pytest.fixture
def cases(personas, partnership, institutions):
    """An answered and followed neuroblastoma case, an urgent open medulloblastoma case, and
    a recommended one waiting for its outcome."""
    nbl = make_patient(personas)
    mb = _medulloblastoma_patient(personas)
    now = timezone.now()
    answered = _case(
        personas,
        institutions,
        nbl,
        "Answered: tandem HDCT?\nMore detail on a second line.",
        40,
        accepted_at=now - datetime.timedelta(days=39),
        recommendation=RECOMMENDATION,
        recommended_at=now - datetime.timedelta(days=38),
        adherence="fully",
        answered_at=now - datetime.timedelta(days=10),
    )
    urgent = _case(
        personas,
        institutions,
        mb,
        "Urgent: posterior fossa mass, surgery first?",
        1,
        urgency="urgent",
    )
    waiting = _case(
        personas,
        institutions,
        nbl,
        "Waiting: is the advice followed?",
        20,
        accepted_at=now - datetime.timedelta(days=19),
        recommendation=RECOMMENDATION,
        recommended_at=now - datetime.timedelta(days=18),
    )
    made = record_past_consultations(cases=[answered, urgent, waiting])
    return {"answered": made[0].pk, "urgent": made[1].pk, "waiting": made[2].pk}


def _listed(response, cases) -> set[str]:
    page = response.content.decode().split('id="archive"')[1]
    return {name for name, pk in cases.items() if f'href="/consultations/{pk}/"' in page}


def test_it_lists_an_answered_case_to_the_expert_who_answered_it(cases, client_for):
    response = client_for("expert").get("/consultations/")
    assert response.status_code == 200
    assert _listed(response, cases) == {"answered", "urgent", "waiting"}
    page = response.content.decode()
    assert "Neuroblastoma" in page and "Medulloblastoma" in page  # the diagnosis in words
    assert "Answered: tandem HDCT?" in page
    assert "More detail on a second line" not in page  # the first line only


def test_it_combines_filters_from_the_url(cases, client_for):
    client = client_for("clinician")

    def listed(**query):
        response = client.get("/consultations/", query)
        assert response.status_code == 200, response.content.decode()[:500]
        return _listed(response, cases)

    assert listed(status="open") == {"urgent"}
    assert listed(status="closed", followed="fully") == {"answered"}
    assert listed(followed="unknown") == {"waiting"}
    assert listed(iccc="IV") == {"answered", "waiting"}
    assert listed(iccc="IV", status="recommended") == {"waiting"}
    assert listed(urgency="urgent", role="asked") == {"urgent"}
    assert listed(role="ours", partner="CURIE") == {"answered", "urgent", "waiting"}
    since = (timezone.localdate() - datetime.timedelta(days=25)).isoformat()
    assert listed(since=since) == {"urgent", "waiting"}
    assert listed(since=since, iccc="III") == {"urgent"}
    # The clinician answered nothing; the expert answered two.
    assert listed(role="answered") == set()
    expert = client_for("expert")
    response = expert.get("/consultations/", {"role": "answered", "iccc": "IV"})
    assert _listed(response, cases) == {"answered", "waiting"}
    response = expert.get("/consultations/", {"role": "assigned", "status": "open"})
    assert _listed(response, cases) == {"urgent"}


def test_it_sorts_newest_by_last_activity_or_overdue_first(cases, client_for):
    client = client_for("clinician")

    def order(sort):
        page = client.get("/consultations/", {"sort": sort}).content.decode()
        page = page.split('id="archive"')[1]
        spots = {name: page.index(f'href="/consultations/{pk}/"') for name, pk in cases.items()}
        return sorted(spots, key=spots.get)

    assert order("newest") == ["urgent", "waiting", "answered"]
    assert order("activity") == ["urgent", "answered", "waiting"]  # answered 10 days ago
    assert order("overdue")[0] == "urgent"  # reply due within 24 h of yesterday's request


def test_it_answers_unknown_filter_values_clearly_and_lists_nothing(cases, client_for):
    client = client_for("clinician")
    for query in (
        {"status": "lost"},
        {"role": "god"},
        {"iccc": "XIII"},
        {"partner": "NOWHERE"},
        {"since": "yesterday"},
        {"since": "2025-03-01", "until": "2025-01-01"},
        {"sort": "random"},
    ):
        response = client.get("/consultations/", query)
        assert response.status_code == 400, query
        with translation.override("vi"):  # the clinician reads Vietnamese
            said = gettext(
                "Some filters are not understood; correct them above. Nothing is listed until then."
            )
        assert said in response.content.decode()
        assert _listed(response, cases) == set()
    # A NUL is refused before any view reads the query (consilium/lib/text_input.py).
    assert client.get("/consultations/", {"urgency": "\x00"}).status_code == 400


def test_it_shows_the_nearest_page_when_asked_past_the_end(cases, client_for):
    client = client_for("clinician")
    for asked in ("99", "x", "-1", "0", "99999999999999999999999"):
        response = client.get("/consultations/", {"page": asked})
        assert response.status_code == 200
        assert f"“{asked[:20]}”" in response.content.decode()  # "There is no page “99”"
        assert _listed(response, cases) == {"answered", "urgent", "waiting"}, asked


def test_it_audits_the_list_read_naming_the_pseudonyms_shown(cases, client_for, personas):
    client_for("expert").get("/consultations/", {"iccc": "III"})
    entry = AuditEntry.objects.filter(verb="consultations.list_viewed").latest("id")
    assert entry.actor_id == personas["expert"].pk
    assert entry.details["filters"] == {"iccc": "III"}
    assert len(entry.details["shown"]) == 1


def test_it_shows_an_outsider_nothing(cases, client_for):
    response = client_for("outsider").get("/consultations/")
    assert response.status_code == 200
    assert _listed(response, cases) == set()
    # Naming the partner in the URL does not widen anything.
    response = client_for("outsider").get("/consultations/", {"partner": "VNCH"})
    assert response.status_code == 400
    assert _listed(response, cases) == set()


def test_it_runs_as_many_queries_for_a_full_page_as_for_three_rows(
    cases, client_for, personas, institutions, django_assert_num_queries
):
    client = client_for("expert")
    query = {"sort": "activity", "iccc": "IV", "role": "assigned"}
    client.get("/consultations/", query)  # the session's first request writes it
    with CaptureQueriesContext(connection) as few:
        client.get("/consultations/", query)
    patient = make_patient(personas, name="Lê Văn Cường", birth=(2018, 1, 1))
    record_past_consultations(
        cases=[_case(personas, institutions, patient, f"Case {n}", 2 + n) for n in range(PAGE_SIZE)]
    )
    with django_assert_num_queries(len(few)):
        page = client.get("/consultations/", query).content.decode()
    assert page.count('href="/consultations/') >= PAGE_SIZE


def test_it_filters_and_audits_the_api_list(cases, client_for, personas):
    client = client_for("expert")
    response = client.get("/api/v1/consultations/", {"iccc": "III"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [cases["urgent"]]
    entry = AuditEntry.objects.filter(verb="consultations.list_viewed").latest("id")
    assert entry.actor_id == personas["expert"].pk and len(entry.details["shown"]) == 1
    bad = client.get("/api/v1/consultations/", {"status": "lost"})
    assert bad.status_code == 422
    assert "status" in bad.json()["errors"]
    assert client_for("outsider").get("/api/v1/consultations/").json() == []
