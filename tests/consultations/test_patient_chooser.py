"""The request form's patient chooser: a search by pseudonym, hospital number, diagnosis or
age among the reader's own patients, a few at a time, audited; a plain GET that works without
JavaScript, swapped in place with htmx; "Ask a partner" arrives with the child chosen."""

import datetime

import pytest
from django.utils import timezone

from consilium.accounts.models import Membership, Role, User
from consilium.audit.models import AuditEntry
from consilium.consultations import patient_chooser
from consilium.network.models import Institution

from .conftest import make_patient

URL = "/consultations/new/"


def _found(client, text: str) -> str:
    response = client.get(URL, {"find": text})
    assert response.status_code == 200
    return response.content.decode()


def _radio(patient) -> str:
    return f'name="patient" value="{patient.pk}"'


def test_it_finds_a_patient_by_pseudonym_hospital_number_diagnosis_or_age(
    client_for, patient, personas
):
    other = make_patient(personas, name="Lê Thị Hoa", birth=(2015, 1, 2))
    clinician = client_for("clinician")
    prefix = patient.pseudonym.rsplit("-", 1)[0]  # "VNCH-2024"
    page = _found(clinician, prefix)
    assert _radio(patient) in page and _radio(other) in page
    assert _radio(patient) in _found(clinician, "vnch")  # the institution's code alone
    assert "Neuroblastoma" in page
    by_number = _found(clinician, "BN-2024-77123")
    assert _radio(patient) in by_number and _radio(other) not in by_number
    assert _radio(patient) in _found(clinician, "neuroblastoma")
    today = timezone.localdate()
    age = today.year - 2019 - (1 if today.month < 3 else 0)
    by_age = _found(clinician, f"{age} tuổi")
    assert _radio(patient) in by_age and _radio(other) not in by_age
    assert _radio(patient) in _found(clinician, "9500")  # the morphology code


def test_the_search_is_audited_without_the_words_typed(client_for, patient):
    _found(client_for("clinician"), "BN-2024-77123")
    entry = AuditEntry.objects.filter(verb="consultations.patient_chooser_searched").latest("id")
    assert entry.details["shown"] == [patient.pseudonym]
    assert "BN-2024-77123" not in str(entry.details)


def test_it_shows_a_few_at_a_time(client_for, patient, personas, monkeypatch):
    make_patient(personas, name="Lê Thị Hoa", birth=(2018, 1, 2))
    make_patient(personas, name="Trần Văn Bình", birth=(2017, 6, 9))
    monkeypatch.setattr(patient_chooser, "LIMIT", 2)
    page = _found(client_for("clinician"), patient.pseudonym.rsplit("-", 1)[0])
    assert page.count('type="radio" name="patient"') == 2
    assert "type more to narrow" in page or "gõ thêm" in page


def test_htmx_gets_only_the_results(client_for, patient):
    response = client_for("clinician").get(
        URL, {"find": patient.pseudonym}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="patient-results"')
    assert _radio(patient) in body and "<html" not in body


def test_it_finds_no_patient_of_another_hospital_even_by_its_number(
    client_for, patient, institutions
):
    """A clinician elsewhere may not see this hospital's identifiers: its number finds nothing."""
    from django.test import Client

    tashkent = User.objects.create_user("doctor@uzpho.demo", "x", full_name="Dr Karimov")
    Membership.objects.create(
        user=tashkent, institution=Institution.objects.get(code="UZPHO"), role=Role.CLINICIAN
    )
    client = Client()
    client.force_login(tashkent)
    for text in ("BN-2024-77123", patient.pseudonym, "neuroblastoma", "5"):
        assert _radio(patient) not in _found(client, text)
    assert _radio(patient) not in client.get(URL, {"patient": patient.pk}).content.decode()


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator"])
def test_it_refuses_people_without_patients(client_for, persona, patient):
    assert client_for(persona).get(URL, {"find": patient.pseudonym}).status_code == 403
    assert not AuditEntry.objects.filter(verb="consultations.patient_chooser_searched").exists()


def test_it_sends_an_anonymous_visitor_to_sign_in(client, patient):
    response = client.get(URL, {"find": patient.pseudonym})
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("text", ["%", "_", "x" * 500, "VNCH-9999-", "  ", "-1", "999"])
def test_bad_or_odd_searches_find_nothing_and_never_fail(client_for, patient, text):
    page = _found(client_for("clinician"), text)
    assert _radio(patient) not in page


def test_a_nul_in_the_search_is_refused_plainly(client_for, patient):
    # The site refuses NUL in any query string (core middleware) with a 400 page.
    response = client_for("clinician").get(URL, {"find": "VNCH\x00"})
    assert response.status_code == 400


def test_ask_a_partner_arrives_with_the_patient_chosen(client_for, patient):
    page = client_for("clinician").get(URL, {"patient": patient.pk}).content.decode()
    assert f'<input type="hidden" name="patient" value="{patient.pk}">' in page
    assert patient.pseudonym in page
    # "Choose another patient" opens the search instead.
    again = client_for("clinician").get(URL, {"find": ""}).content.decode()
    assert 'name="patient" value=' not in again
    assert 'id="id_find"' in again


def test_a_template_switch_keeps_the_chosen_patient(client_for, patient, institutions, partnership):
    page = client_for("clinician").post(
        URL,
        {
            "patient": patient.pk,
            "expert_institution": institutions["CURIE"].pk,
            "question": "Typed before the switch",
            "template": "cns",
            "switch": "1",
        },
    )
    body = page.content.decode()
    assert f'<input type="hidden" name="patient" value="{patient.pk}">' in body
    assert "Typed before the switch" in body


def test_the_age_rule_uses_the_birth_month():
    from consilium.registry.queries import _aged

    today = datetime.date(2026, 3, 10)
    rule = str(_aged(5, today))
    assert "2021" in rule and "2020" in rule
