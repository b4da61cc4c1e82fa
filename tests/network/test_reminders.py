import datetime

from django.core.management import call_command
from django.utils import timezone

from consilium.network import actions
from consilium.network.models import Milestone


def _without_consent_mail(smtp_inbox) -> None:
    """The partnership fixture's proposal and confirmation mail is not what these count."""
    call_command("worker", batch=True, verbosity=0)
    smtp_inbox.envelopes.clear()


def _milestone(partnership, personas, days: int) -> Milestone:
    return actions.add_milestone(
        actor=personas["coordinator"],
        area=partnership.areas.get(kind="training"),
        title="Two nurses trained in Paris",
        due_on=timezone.localdate() + datetime.timedelta(days=days),
        owner=personas["expert"],
    )


def test_the_owner_gets_a_reminder_a_week_before_by_smtp_in_their_language(
    audit_triggers_off_after_test, partnership, personas, smtp_inbox
):
    _without_consent_mail(smtp_inbox)
    _milestone(partnership, personas, days=5)
    assert actions.send_milestone_reminders() == 1
    call_command("worker", batch=True, verbosity=0)

    [envelope] = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["claire.martin@curie.demo"]
    [message] = smtp_inbox.messages
    # Claire reads French; the subject is translated and the body links to the partnership.
    assert message["Subject"].startswith("Échéance dans 5 jours") or "5" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Two nurses trained in Paris" in body
    assert f"/network/partnerships/{partnership.pk}/" in body
    assert message.get_body(("html",)) is not None


def test_it_reminds_once_before_and_once_when_overdue(
    audit_triggers_off_after_test, partnership, personas, smtp_inbox
):
    _without_consent_mail(smtp_inbox)
    milestone = _milestone(partnership, personas, days=3)
    assert actions.send_milestone_reminders() == 1
    assert actions.send_milestone_reminders() == 0
    later = milestone.due_on + datetime.timedelta(days=2)
    assert actions.send_milestone_reminders(today=later) == 1
    assert actions.send_milestone_reminders(today=later) == 0
    call_command("worker", batch=True, verbosity=0)
    assert len(smtp_inbox.envelopes) == 2


def test_it_does_not_remind_about_finished_or_distant_milestones(partnership, personas):
    done = _milestone(partnership, personas, days=2)
    actions.update_milestone(actor=personas["coordinator"], milestone=done, status="done")
    _milestone(partnership, personas, days=40)
    assert actions.send_milestone_reminders() == 0
