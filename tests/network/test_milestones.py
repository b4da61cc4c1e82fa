import datetime

import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.network.models import Milestone, MilestoneStatus
from tests.network.conftest import pdf_upload


@pytest.fixture
def telemedicine(partnership):
    return partnership.areas.get(kind="telemedicine")


def _add(client, partnership, area, **overrides):
    data = {"area": area.pk, "title": "Weekly board", "due_on": "2026-03-01", "owner": ""}
    data.update(overrides)
    return client.post(
        reverse("network:partnership_action", args=[partnership.pk, "milestone"]), data
    )


def test_it_adds_a_milestone_with_an_owner(client_for, personas, partnership, telemedicine):
    response = _add(
        client_for("coordinator"), partnership, telemedicine, owner=personas["clinician"].pk
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    assert milestone.owner == personas["clinician"]
    assert milestone.status == MilestoneStatus.PLANNED


def test_it_refuses_a_due_date_outside_the_partnerships_validity(
    client_for, partnership, telemedicine
):
    late = (partnership.valid_until + datetime.timedelta(days=31)).isoformat()
    response = _add(client_for("coordinator"), partnership, telemedicine, due_on=late)
    assert response.status_code == 400
    assert (
        "outside the partnership's validity"
        in response.context["milestone_form"].errors["due_on"][0]
    )
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider"])
def test_it_refuses_milestones_from_non_coordinators(
    client_for, partnership, telemedicine, persona
):
    assert _add(client_for(persona), partnership, telemedicine).status_code == 403
    assert not Milestone.objects.exists()


def test_the_owner_marks_it_done_with_evidence(client_for, personas, partnership, telemedicine):
    _add(client_for("coordinator"), partnership, telemedicine, owner=personas["clinician"].pk)
    milestone = Milestone.objects.get()
    prefix = f"m{milestone.pk}"
    response = client_for("clinician").post(
        reverse("network:milestone_update", args=[milestone.pk]),
        {
            f"{prefix}-status": "done",
            f"{prefix}-note": "Board minutes attached",
            f"{prefix}-file": pdf_upload(),
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE
    assert milestone.completed_on is not None
    evidence = milestone.evidence.get()
    assert evidence.note == "Board minutes attached"
    assert evidence.file.read().startswith(b"%PDF-")
    assert AuditEntry.objects.filter(verb="network.milestone_updated").exists()


def test_an_outsider_cannot_update_a_milestone(client_for, personas, partnership, telemedicine):
    _add(client_for("coordinator"), partnership, telemedicine, owner=personas["clinician"].pk)
    milestone = Milestone.objects.get()
    prefix = f"m{milestone.pk}"
    client_for("outsider").post(
        reverse("network:milestone_update", args=[milestone.pk]), {f"{prefix}-status": "done"}
    )
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PLANNED


def test_it_refuses_evidence_that_is_not_a_pdf(client_for, personas, partnership, telemedicine):
    personas["clinician"].language = "en"
    personas["clinician"].save()
    _add(client_for("coordinator"), partnership, telemedicine, owner=personas["clinician"].pk)
    milestone = Milestone.objects.get()
    prefix = f"m{milestone.pk}"
    response = client_for("clinician").post(
        reverse("network:milestone_update", args=[milestone.pk]),
        {f"{prefix}-status": "done", f"{prefix}-file": pdf_upload("x.pdf", b"GIF89a")},
        follow=True,
    )
    assert "not a PDF" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PLANNED
    assert not milestone.evidence.exists()


def test_the_partnership_page_reads_well_for_a_partner(
    client_for, partnership, telemedicine, personas
):
    _add(
        client_for("coordinator"), partnership, telemedicine, due_on=str(datetime.date(2025, 1, 5))
    )
    page = client_for("expert").get(reverse("network:partnership", args=[partnership.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Weekly board" in body
    assert "overdue" in body
    assert "End the partnership" not in body
