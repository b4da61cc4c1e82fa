import datetime

from django.urls import reverse
from django.utils import timezone

from consilium.network import actions


def test_it_filters_experts_by_language_and_shows_who_is_away(client_for, personas):
    today = timezone.localdate()
    actions.add_absence(
        actor=personas["expert"], starts_on=today, ends_on=today + datetime.timedelta(days=7)
    )
    response = client_for("clinician").get(reverse("network:directory"), {"language": "fr"})
    people = list(response.context["people"])
    assert personas["expert"] in people
    assert personas["outsider"] not in people
    assert [p.is_away for p in people if p == personas["expert"]] == [True]


def test_it_refuses_an_absence_that_ends_before_it_starts(client_for, personas):
    response = client_for("expert").post(
        reverse("network:absences"), {"starts_on": "2026-05-10", "ends_on": "2026-05-01"}
    )
    assert response.status_code == 200
    assert personas["expert"].absences.count() == 0


def test_one_cannot_remove_someone_elses_absence(client_for, personas):
    absence = actions.add_absence(
        actor=personas["expert"],
        starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2026, 5, 2),
    )
    response = client_for("outsider").post(reverse("network:absences"), {"remove": absence.pk})
    assert response.status_code == 404
    assert personas["expert"].absences.count() == 1


def test_it_answers_a_garbled_absence_id_with_404_not_a_server_error(client_for, personas):
    response = client_for("expert").post(reverse("network:absences"), {"remove": "1 OR 1=1"})
    assert response.status_code == 404
