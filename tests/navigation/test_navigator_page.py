import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.navigation.actions import outreach, sweep
from consilium.navigation.actions import risk as risk_actions
from tests.navigation.conftest import days
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db

HIGH_RISK = {
    "travel_minutes": 300,
    "travel_cost": 250000,
    "income_band": "lowest",
    "insurance": "none",
    "caregiver_available": True,
    "needs_lodging": True,
    "phone_access": "shared",
    "language": "Hmong",
    "needs_interpreter": True,
    "earlier_missed_visits": 0,
}


@pytest.fixture
def swept(personas, plan, patient):
    sweep.run(now=at(days(0), 7))  # yesterday's and older visits missed; an abandonment proposed
    outreach.add_family_contact(
        actor=personas["navigator"], patient=patient, relation="Mother", phone="+84 98 765 4321"
    )
    risk_actions.record_profile(actor=personas["navigator"], patient=patient, data=HIGH_RISK)


def test_it_shows_the_navigator_the_days_work(client_for, swept, patient):
    response = client_for("navigator").get(reverse("navigation:home"))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "Outreach due",
        "Therapy interrupted",
        "Proposed abandonments",
        "New high-risk families",
        "Expected today",
    ):
        assert heading in page
    assert page.count(patient.pseudonym) >= 4
    assert AuditEntry.objects.filter(verb="navigation.page_viewed").count() == 1


def test_it_lists_a_child_with_several_missed_visits_once_in_outreach(client_for, swept, patient):
    from consilium.navigation.models import OutreachTask, TaskStatus

    open_tasks = OutreachTask.objects.filter(patient=patient, status=TaskStatus.OPEN).count()
    assert open_tasks > 1
    page = client_for("navigator").get(reverse("navigation:home")).content.decode()
    section = page.split('id="outreach-h"')[1].split("</section>")[0]
    assert section.count(patient.pseudonym) == 1
    assert "Outreach due (1)" in page
    assert f"and {open_tasks - 1} more" in section


def test_it_shows_yesterdays_missed_visit(personas, client_for, patient):
    from consilium.navigation.actions import plans

    plans.create_plan_by_hand(
        actor=personas["navigator"],
        patient=patient,
        title="RT",
        start_date=days(-1),
        visits=[("radiotherapy", "Block 1", days(-1))],
    )
    sweep.run(now=at(days(0), 7))
    page = client_for("navigator").get(reverse("navigation:home")).content.decode()
    section = page.split('id="missed-h"')[1].split("</section>")[0]
    assert patient.pseudonym in section and "Missed" in section


def test_it_lets_the_data_manager_decide_proposals(client_for, swept):
    page = client_for("data_manager").get(reverse("navigation:home")).content.decode()
    assert "Confirm" in page
    page = client_for("navigator").get(reverse("navigation:home")).content.decode()
    assert ">Confirm<" not in page


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_shows_others_nothing(client_for, swept, persona):
    client = client_for(persona)
    assert client.get(reverse("navigation:home")).status_code == 404
    assert client.get(reverse("navigation:home") + "?institution=VNCH").status_code == 404
    assert client.get(reverse("navigation:call_list")).status_code == 404
    assert client.get(reverse("navigation:day")).status_code == 404


def test_it_prints_the_call_list_in_the_readers_language(personas, client_for, swept):
    import subprocess
    import tempfile

    personas["navigator"].language = "vi"
    personas["navigator"].save()
    response = client_for("navigator").get(reverse("navigation:call_list"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(response.content)
        pdf.flush()
        text = subprocess.run(
            ["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    assert "+84 98 765 4321" in text  # the mother's number, for the call
    assert "Mother" in text
    assert "Danh sách cần gọi" in text and "Call list" not in text  # the reader's language
    assert AuditEntry.objects.filter(verb="navigation.call_list_printed").exists()


def test_it_opens_where_navigation_is_in_use_for_a_reader_of_two_institutions(
    personas, client_for, swept
):
    """The demo's data manager also keeps a second registry whose name sorts first; the page
    opens on the institution with plans, and the other stays one link away."""
    from consilium.accounts.models import Membership, Role
    from consilium.network.models import Institution

    first = Institution.objects.exclude(code="VNCH").order_by("name").first()
    assert first.name < Institution.objects.get(code="VNCH").name
    Membership.objects.create(
        user=personas["data_manager"], institution=first, role=Role.DATA_MANAGER
    )
    client = client_for("data_manager")
    page = client.get(reverse("navigation:home")).content.decode()
    assert "Vietnam National Children" in page.split("<h1")[1].split("</h1>")[0]
    other = client.get(reverse("navigation:home") + f"?institution={first.code}")
    assert first.name in other.content.decode().split("<h1")[1].split("</h1>")[0]
