"""The consultation queue at a national network's scale: the most pressing few of each list,
a link to the rest, and a query count that does not grow with the queue."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consilium.consultations.history import PastConsultation, record_past_consultations
from consilium.consultations.views import QUEUE_LIMIT

from .conftest import make_patient

# Each persona reads the queue in their own language: the clinician Vietnamese, the expert French.
SHOW_ALL = {"clinician": "Xem tất cả {n}", "expert": "Tout afficher ({n})"}


def _show_all(persona: str, n: int) -> str:
    return SHOW_ALL[persona].format(n=n)


def _open_cases(personas, institutions, patient, count: int, start: int = 0) -> list[int]:
    now = timezone.now()
    cases = [
        PastConsultation(
            requested_by=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            expert=personas["expert"],
            question=f"Question {start + n}",
            urgency="routine",
            created_at=now - datetime.timedelta(days=2, minutes=start + n),
            accepted_at=now - datetime.timedelta(days=1),
        )
        for n in range(count)
    ]
    return [c.pk for c in record_past_consultations(cases=cases)]


@pytest.fixture
def busy(personas, partnership, institutions):
    patient = make_patient(personas)
    return patient, _open_cases(personas, institutions, patient, QUEUE_LIMIT + 5)


def _linked(page: str, pks: list[int]) -> set[int]:
    return {pk for pk in pks if f'href="/consultations/{pk}/"' in page}


def test_it_shows_the_first_of_a_long_queue_and_links_to_all(busy, client_for):
    _patient, pks = busy
    for persona in ("clinician", "expert"):
        page = client_for(persona).get("/consultations/").content.decode()
        queue_part = page.split('id="archive"')[0]  # the archive below lists every case
        assert len(_linked(queue_part, pks)) == QUEUE_LIMIT
        assert _show_all(persona, QUEUE_LIMIT + 5) in page


def test_it_pages_through_the_whole_list_when_asked(busy, client_for):
    _patient, pks = busy
    client = client_for("clinician")
    page = client.get("/consultations/", {"show": "ours_open"}).content.decode()
    assert _linked(page, pks) == set(pks)  # one page of 50 holds all 30
    assert "Xem tất cả" not in page
    # A page number past the end shows the last page rather than an error.
    assert client.get("/consultations/", {"show": "ours_open", "page": "99"}).status_code == 200
    assert client.get("/consultations/", {"show": "nonsense", "page": "x"}).status_code == 200


def test_it_runs_as_many_queries_for_a_long_queue_as_for_a_short_one(
    busy, client_for, personas, institutions
):
    patient, _pks = busy
    counts = {}
    for persona in ("clinician", "expert"):
        client = client_for(persona)
        client.get("/consultations/")  # the session's first request writes it
        with CaptureQueriesContext(connection) as first:
            assert client.get("/consultations/").status_code == 200
        counts[persona] = len(first)
    _open_cases(personas, institutions, patient, 3 * QUEUE_LIMIT, start=100)
    for persona in ("clinician", "expert"):
        client = client_for(persona)
        client.get("/consultations/")
        with CaptureQueriesContext(connection) as again:
            response = client.get("/consultations/")
        assert response.status_code == 200
        page = response.content.decode()
        assert len(again) == counts[persona]
        assert _show_all(persona, 4 * QUEUE_LIMIT + 5) in page
