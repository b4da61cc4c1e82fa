import datetime

from django.urls import reverse
from django.utils import timezone

from consilium.network import actions
from consilium.network.models import Partnership


def test_it_shows_overdue_milestones_and_partnerships_expiring_soon(
    client_for, personas, partnership
):
    today = timezone.localdate()
    actions.add_milestone(
        actor=personas["coordinator"],
        area=partnership.areas.get(kind="training"),
        title="Fellowship report",
        due_on=today - datetime.timedelta(days=3),
        owner=personas["clinician"],
    )
    Partnership.objects.filter(pk=partnership.pk).update(
        valid_until=today + datetime.timedelta(days=45)
    )
    page = client_for("coordinator").get(reverse("network:dashboard")).content.decode()
    assert "Fellowship report" in page
    assert "VNCH – Institut Curie" in page


def test_it_is_empty_for_someone_without_a_coordinating_role(client_for, partnership):
    page = client_for("outsider").get(reverse("network:dashboard")).content.decode()
    assert "You have no such role" in page


def test_the_overview_costs_the_same_queries_for_one_or_many_partnerships(
    client_for, personas, institutions, partnership
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("expert")
    client.get(reverse("network:overview"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("network:overview")).status_code == 200
    for code in ["RDEBRE", "PMC", "MUW"]:
        actions.create_partnership(
            actor=personas["coordinator"],
            title=f"VNCH – {code}",
            institutions=[institutions["VNCH"], institutions[code]],
            valid_from=datetime.date(2025, 1, 1),
            valid_until=None,
            areas={"training": "", "nursing": ""},
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("network:overview"))
    assert response.status_code == 200
    assert len(many) == len(one)
