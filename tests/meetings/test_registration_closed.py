"""A closed registration says so, and why."""

from django.urls import reverse

from consilium.meetings import actions, attendance


def test_it_says_registration_closed_because_the_event_is_over(client_for, personas, workshop):
    personas["expert"].language = "en"
    personas["expert"].save()
    text = client_for("expert").get(reverse("meetings:event", args=[workshop.pk])).content
    assert "Registration has closed: the event is over." in text.decode()


def test_it_says_registration_closed_because_it_is_full(client_for, personas, future_workshop):
    actions.update_event(
        actor=personas["coordinator"], event=future_workshop, waiting_list=False, mode="in_person"
    )
    attendance.register(
        actor=personas["coordinator"],
        event=future_workshop,
        user=personas["clinician"],
        mode="in_person",
    )
    personas["data_manager"].language = "en"
    personas["data_manager"].save()
    response = client_for("data_manager").get(reverse("meetings:event", args=[future_workshop.pk]))
    text = response.content.decode()
    assert "every place is taken" in text
    assert 'action="' + reverse("meetings:register", args=[future_workshop.pk]) not in text
