from decimal import Decimal

from django.urls import reverse

from consilium.meetings import attendance
from consilium.meetings.choices import DiagnosisGroup
from tests.meetings.conftest import guest


def test_a_person_s_record_lists_events_hours_and_topics(client_for, personas, workshop, morning):
    from consilium.meetings import actions

    actions.add_presentation(
        actor=personas["coordinator"],
        session=morning,
        title="NB",
        guest_speakers=["Dr X"],
        diagnosis_groups=["neuroblastoma"],
    )
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, user=personas["clinician"], mode="in_person"
    )
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=registration)
    page = client_for("clinician").get(reverse("meetings:my_training"))
    text = page.content.decode()
    assert "Pediatric Oncology Workshop 2024" in text
    assert page.context["total"] == Decimal("3.25")
    [line] = page.context["lines"]
    assert line.topics == [str(DiagnosisGroup.NEUROBLASTOMA.label)]


def test_a_partnership_training_page_sums_hours_by_profession(
    client_for, personas, workshop, partnership
):
    coord = personas["coordinator"]
    for name, profession, hours in (("A", "nurse", "6"), ("B", "nurse", "4"), ("C", "doctor", "8")):
        registration = attendance.register(
            actor=coord, event=workshop, mode="online", guest=guest(name, profession=profession)
        )
        attendance.check_in(
            actor=coord, event=workshop, registration=registration, hours=Decimal(hours)
        )
    attendance.register(
        actor=coord, event=workshop, mode="online", guest=guest("No show", profession="doctor")
    )
    page = client_for("expert").get(reverse("meetings:partnership_training", args=[partnership.pk]))
    rows = page.context["by_profession"]
    assert [(r["profession"], r["people"], r["hours"]) for r in rows] == [
        ("nurse", 2, Decimal("10.00")),
        ("doctor", 1, Decimal("8.00")),
    ]
    assert [e.title for e in page.context["events"]] == ["Pediatric Oncology Workshop 2024"]
    assert page.context["total_hours"] == Decimal("18.00")


def test_anonymous_visitors_have_no_training_pages(client, partnership):
    url = reverse("meetings:partnership_training", args=[partnership.pk])
    assert client.get(url).status_code == 302
