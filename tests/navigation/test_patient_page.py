import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.navigation.actions import sweep
from consilium.navigation.models import (
    Contact,
    FamilyContact,
    PlannedVisit,
    Support,
    TaskStatus,
    TreatmentPlan,
    VisitStatus,
)
from tests.navigation.conftest import days, visit
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db


def url(name, pk):
    return reverse(f"navigation:{name}", args=[pk])


def test_it_shows_the_plan_and_audits_the_read(client_for, plan, patient):
    response = client_for("navigator").get(url("patient", patient.pk))
    assert response.status_code == 200
    assert "Induction" in response.content.decode()
    assert AuditEntry.objects.filter(verb="navigation.patient_viewed").count() == 1


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_hides_the_child_from_everyone_else(client_for, plan, patient, persona):
    client = client_for(persona)
    assert client.get(url("patient", patient.pk)).status_code == 404
    response = client.post(
        url("contact_new", patient.pk), {"contact-kind": "call", "contact-reached": "yes"}
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_it_makes_a_plan_from_the_adopted_protocol(client_for, patient, protocol):
    response = client_for("navigator").post(
        url("plan_new", patient.pk),
        {"protocol-version": protocol.pk, "protocol-start_date": days(0).isoformat()},
    )
    assert response.status_code == 302
    assert TreatmentPlan.objects.get().visits.count() == 5


def test_it_says_why_a_visit_before_the_diagnosis_is_refused(client_for, plan, patient):
    client = client_for("navigator")
    response = client.post(
        url("visit_new", patient.pk),
        {"visit-kind": "follow_up", "visit-date": days(-400).isoformat()},
        follow=True,
    )
    assert "before the diagnosis" in response.content.decode()
    assert PlannedVisit.objects.count() == 5


def test_it_logs_a_call_that_reached_the_mother_and_closes_the_task(client_for, plan, patient):
    sweep.run(now=at(days(0), 7))
    client = client_for("navigator")
    response = client.post(
        url("contact_new", patient.pk),
        {
            "contact-kind": "call",
            "contact-reached": "yes",
            "contact-spoke_with": "Mother",
            "contact-agreed": "Comes Monday",
        },
        follow=True,
    )
    assert "The contact is logged." in response.content.decode()
    contact = Contact.objects.get()
    assert contact.reached and contact.spoke_with == "Mother"
    assert not patient.navigation_tasks.filter(status=TaskStatus.OPEN).exists()


def test_it_records_transport_support(client_for, patient):
    client_for("navigator").post(
        url("support_new", patient.pk),
        {
            "support-kind": "transport",
            "support-given_on": days(0).isoformat(),
            "support-amount": "150000",
        },
    )
    assert Support.objects.get().kind == "transport"
    # Grouped as the reader writes numbers: 150,000 dong, not "150000.00".
    page = client_for("navigator").get(url("patient", patient.pk)).content.decode()
    assert "150,000" in page and "150000.00" not in page


def test_it_refuses_a_negative_amount(client_for, patient):
    response = client_for("navigator").post(
        url("support_new", patient.pk),
        {
            "support-kind": "transport",
            "support-given_on": days(0).isoformat(),
            "support-amount": "-5",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not Support.objects.exists()


def test_it_encrypts_the_familys_phone_and_address_at_rest(client_for, patient):
    from django.db import connection

    client_for("navigator").post(
        url("family_new", patient.pk),
        {
            "family-relation": "Mother",
            "family-name": "Trần Thị Hà",
            "family-phone": "+84 98 765 4321",
            "family-address": "Xã Yên Bình, Hà Giang",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, address FROM navigation_familycontact")
        raw = cursor.fetchone()
    assert all(value.startswith("g1:") for value in raw)
    assert "765" not in "".join(raw)
    assert FamilyContact.objects.get().phone == "+84 98 765 4321"
    page = client_for("navigator").get(url("patient", patient.pk)).content.decode()
    assert "+84 98 765 4321" in page
    entry = AuditEntry.objects.get(verb="navigation.family_contact_added")
    assert "765" not in str(entry.details)


def test_it_marks_a_visit_from_the_page_and_refuses_a_second_mark(client_for, plan, patient):
    client = client_for("data_manager")  # reads English
    c3 = visit(plan, "C3")
    client.post(reverse("navigation:visit_action", args=[c3.pk, "attended"]))
    response = client.post(reverse("navigation:visit_action", args=[c3.pk, "missed"]), follow=True)
    assert "already marked attended" in response.content.decode()
    assert visit(plan, "C3").status == VisitStatus.ATTENDED


def test_it_ticks_who_came_on_the_day_list(client_for, plan):
    c4 = visit(plan, "C4")
    client = client_for("clinician")
    page = client.get(reverse("navigation:day")).content.decode()
    assert f'value="{c4.pk}"' in page
    client.post(reverse("navigation:day"), {"attended": [str(c4.pk)]})
    assert visit(plan, "C4").status == VisitStatus.ATTENDED


def test_it_refuses_a_bad_date_and_a_bad_tick_on_the_day_list(client_for, plan):
    client = client_for("navigator")
    assert client.get(reverse("navigation:day") + "?date=2024-02-30").status_code == 200
    response = client.post(reverse("navigation:day"), {"attended": ["x"]}, follow=True)
    assert response.status_code == 200
    assert not PlannedVisit.objects.filter(status=VisitStatus.ATTENDED).exists()
