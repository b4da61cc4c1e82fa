import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.library.actions import adoption as actions
from consilium.library.actions import documents as document_actions
from consilium.library.models import Acknowledgement


def test_a_nurse_acknowledges_the_version_in_force(adoption, nurses):
    ack = actions.acknowledge(actor=nurses[0], adoption=adoption)
    assert ack.user == nurses[0]
    assert AuditEntry.objects.filter(verb="library.version_acknowledged").count() == 1


def test_acknowledging_a_retired_version_is_refused(adoption, approved_sop, personas, nurses):
    document_actions.retire_version(actor=personas["coordinator"], version=approved_sop)
    adoption.refresh_from_db()

    with pytest.raises(ValidationError, match="has been retired") as caught:
        actions.acknowledge(actor=nurses[0], adoption=adoption)

    assert caught.value.code == "retired"
    assert not Acknowledgement.objects.exists()
    assert not AuditEntry.objects.filter(verb="library.version_acknowledged").exists()


def test_people_not_named_by_the_adoption_do_not_acknowledge(adoption, personas):
    # The adoption names nurses; the coordinator is not one.
    with pytest.raises(ValidationError, match="not among the staff"):
        actions.acknowledge(actor=personas["coordinator"], adoption=adoption)
    assert not Acknowledgement.objects.exists()


def test_an_acknowledgement_is_given_once(adoption, nurses):
    actions.acknowledge(actor=nurses[0], adoption=adoption)
    with pytest.raises(ValidationError, match="already"):
        actions.acknowledge(actor=nurses[0], adoption=adoption)
    assert Acknowledgement.objects.count() == 1


def test_the_page_tracks_who_has_acknowledged(adoption, nurses, client_for, client):
    client.force_login(nurses[0])
    response = client.post(reverse("library:adoption_acknowledge", args=[adoption.pk]))
    assert response.status_code == 302

    page = client_for("coordinator").get(reverse("library:adoption", args=[adoption.pk]))
    html = page.content.decode()
    assert "1 / 3" in html  # the two nurses and the navigator, a nurse at VNCH too
    assert "Võ Thị Thu" in html and "not yet" in html


def test_the_retired_refusal_is_shown_on_the_page(adoption, approved_sop, personas, nurses, client):
    document_actions.retire_version(actor=personas["coordinator"], version=approved_sop)
    client.force_login(nurses[0])
    response = client.post(reverse("library:adoption_acknowledge", args=[adoption.pk]), follow=True)
    assert "has been retired" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_the_coordinator_reminds_those_who_have_not_acknowledged(
    audit_triggers_off_after_test, adoption, nurses, personas, smtp_inbox
):
    actions.acknowledge(actor=nurses[0], adoption=adoption)
    count = actions.remind_pending(actor=personas["coordinator"], adoption=adoption)
    call_command("worker", batch=True, verbosity=0)
    assert count == 2
    # Both nurses and the navigator (a nurse) were asked when the version was put in force;
    # only those who have not acknowledged are reminded.
    reminders = [m for m in smtp_inbox.messages if m["Subject"].startswith("Reminder")]
    assert [m["To"] for m in reminders] == [nurses[1].email]  # the navigator reads Vietnamese
    assert nurses[0].email not in {m["To"] for m in smtp_inbox.messages[-2:]}


def test_outsiders_do_not_see_the_adoption(adoption, client_for):
    url = reverse("library:adoption", args=[adoption.pk])
    assert client_for("outsider").get(url).status_code == 404
