from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consilium.core.tasks import send_email


def test_it_runs_queued_tasks_through_the_database_worker(audit_triggers_off_after_test):
    result = send_email.enqueue(subject="Reminder", body="Milestone due", to=["a@example.org"])
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    assert mail.outbox == []

    call_command("worker", batch=True, verbosity=0)

    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert [m.subject for m in mail.outbox] == ["Reminder"]


def test_mail_that_cannot_be_sent_is_queued_again_not_lost(
    audit_triggers_off_after_test, settings, smtp_inbox
):
    from tests.conftest import free_port

    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the mail server is down
    send_email.enqueue(subject="Reminder", body="Due soon", to=["a@example.org"])
    call_command("worker", batch=True, verbosity=0)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 1
    assert retry.run_after > timezone.now()

    settings.EMAIL_PORT = working_port  # the server is back
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("worker", batch=True, verbosity=0)
    assert [str(m["Subject"]) for m in smtp_inbox.messages] == ["Reminder"]
