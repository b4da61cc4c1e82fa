"""Similar past cases, ranked by documented points, on made cases whose right order is known."""

import pytest

from consilium.search.similar import Profile, score, similar_cases
from tests.search.conftest import make_case

pytestmark = pytest.mark.django_db


def test_the_points_are_those_documented():
    this = Profile("IV", "IVa", "neuroblastoma", 2, "L2", 3, "C74", {"MYCN": "not_detected"})
    same = Profile("IV", "IVa", "neuroblastoma", 2, "L2", 4, "C74", {"MYCN": "not_detected"})
    points, why = score(this, same)
    assert points == 4 + 3 + 1 + 2 + 1
    assert why[:3] == ["same group IVa", "stage L2", "age 1–4"]
    metastatic = Profile("IV", "IVa", "neuroblastoma", 2, "M", 3, "C74", {"MYCN": "detected"})
    assert score(this, metastatic)[0] == 4 + 1 + 1 + 1


@pytest.fixture
def past(personas, partnership):
    def case(name, number, **kwargs):
        return make_case(personas, name=name, number=number, question=f"About {number}", **kwargs)

    return {
        "closest": case(
            "A A", "S-1", mycn="not_detected", advice="Carboplatin-etoposide x4.", followed="fully"
        ),
        "older": case("B B", "S-2", age=8, mycn="not_detected", advice="Surgery first."),
        "metastatic": case("C C", "S-3", stage_value="M", mycn="detected"),
        "wilms": case(
            "D D",
            "S-4",
            topography="C649",
            morphology="8960",
            stage_tumour="wilms",
            stage_value="I",
        ),
    }


def test_it_ranks_known_cases_in_their_right_order(personas, past):
    new = make_case(personas, name="E E", number="S-5", question="New L2", mycn="not_detected")
    diagnosis = new.patient.diagnoses.get()
    found = similar_cases(personas["clinician"], diagnosis, exclude_patient_id=new.patient_id)
    order = [case.consultation_id for case in found]
    assert order == [past["closest"].pk, past["older"].pk, past["metastatic"].pk]
    closest = found[0]
    assert "same group IVa" in closest.reasons and "stage L2" in closest.reasons
    assert closest.advice == "Carboplatin-etoposide x4."
    assert closest.followed == "Fully followed"
    assert closest.outcome.startswith("alive without event")


def test_the_expert_sees_the_same_and_the_outsider_nothing(personas, past):
    diagnosis = past["closest"].patient.diagnoses.get()
    expert = similar_cases(personas["expert"], diagnosis, exclude_patient_id=None)
    assert {c.consultation_id for c in expert} == {
        past["closest"].pk,
        past["older"].pk,
        past["metastatic"].pk,
    }
    assert similar_cases(personas["outsider"], diagnosis) == []


def test_the_page_is_for_those_who_may_see_the_case(personas, past, client_for):
    cid = past["older"].pk
    assert client_for("expert").get("/search/similar/", {"consultation": cid}).status_code == 200
    assert client_for("outsider").get("/search/similar/", {"consultation": cid}).status_code == 404
    patient = past["older"].patient_id
    assert client_for("clinician").get("/search/similar/", {"patient": patient}).status_code == 200
    assert client_for("expert").get("/search/similar/", {"patient": patient}).status_code == 404
    for bad in ({"patient": "abc"}, {"consultation": "9" * 30}, {}):
        assert client_for("clinician").get("/search/similar/", bad).status_code == 404
    page = (
        client_for("clinician")
        .get("/search/similar/", {"patient": patient}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "IVa" in page and "<html" not in page  # the clinician reads Vietnamese


def test_the_request_form_and_the_experts_page_show_them(personas, past, client_for):
    new = make_case(personas, name="E E", number="S-5", question="New L2", mycn="not_detected")
    closest = past["closest"].patient.pseudonym
    form = client_for("clinician").get("/consultations/new/", {"patient": new.patient_id})
    assert form.status_code == 200
    assert closest in form.content.decode()
    # The new consultation is open and offered to the partner's expert.
    page = client_for("expert").get(f"/consultations/{new.pk}/")
    assert page.status_code == 200
    assert 'class="similar"' in page.content.decode()
    assert closest in page.content.decode()
    # The outsider opens neither.
    assert client_for("outsider").get(f"/consultations/{new.pk}/").status_code == 404


def test_the_experts_page_says_so_when_there_is_no_similar_case(personas, partnership, client_for):
    """The first case of its kind: the section is there and says none, rather than missing
    (an expert could not tell "none" from "not offered here")."""
    new = make_case(personas, name="F F", number="S-6", question="A first one")
    page = client_for("expert").get(f"/consultations/{new.pk}/").content.decode()
    assert 'class="similar"' in page
    from django.utils import translation

    with translation.override("fr"):  # the expert reads French
        assert translation.gettext("No similar past case that you may see.") in page


def test_a_child_alive_after_an_event_says_how_long_since_diagnosis_too():
    import datetime

    from consilium.registry.models import Patient, VitalStatus
    from consilium.search.similar import outcome_of

    child = Patient(
        vital_status=VitalStatus.ALIVE,
        origin_date=datetime.date(2022, 1, 10),
        first_efs_event_date=datetime.date(2022, 9, 10),
        last_contact=datetime.date(2025, 1, 10),
    )
    assert outcome_of(child, datetime.date(2026, 1, 1)) == (
        "alive after an event at 8 months, 36 months since diagnosis"
    )
