import datetime

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
    from consilium.core.tasks import RETRY_MINUTES
    from tests.conftest import free_port

    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the mail server is down
    subjects = [f"Reminder {i}" for i in range(5)]
    first_ids = [
        send_email.enqueue(subject=s, body="Due soon", to=[f"p{i}@example.org"]).id
        for i, s in enumerate(subjects)
    ]
    for attempt in (1, 2):  # down for two rounds of attempts, each later than the one before
        before = timezone.now()
        call_command("worker", batch=True, verbosity=0)
        waiting = DBTaskResult.objects.filter(status="READY")
        assert sorted(t.args_kwargs["kwargs"]["subject"] for t in waiting) == subjects
        assert {t.args_kwargs["kwargs"]["attempt"] for t in waiting} == {attempt}
        delay = datetime.timedelta(minutes=RETRY_MINUTES[attempt - 1])
        assert all(t.run_after >= before + delay for t in waiting)
        assert not DBTaskResult.objects.filter(status="FAILED").exists()
        waiting.update(run_after=timezone.now())  # time passes

    settings.EMAIL_PORT = working_port  # the server is back
    call_command("worker", batch=True, verbosity=0)
    delivered = smtp_inbox.messages
    assert sorted(str(m["Subject"]) for m in delivered) == subjects  # every one, once
    # Every retry of a mail is the same message to the receiving side.
    assert sorted(str(m["Message-ID"]) for m in delivered) == sorted(
        f"<{task_id}@localhost>" for task_id in first_ids
    )
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.count() == 3 * len(subjects)


def test_mail_is_given_up_loudly_after_the_last_retry(
    audit_triggers_off_after_test, settings, smtp_inbox, caplog
):
    from consilium.core.tasks import RETRY_MINUTES
    from tests.conftest import free_port

    settings.EMAIL_PORT = free_port()
    send_email.enqueue(
        subject="Reminder", body="Due soon", to=["a@example.org"], attempt=len(RETRY_MINUTES)
    )
    call_command("worker", batch=True, verbosity=0)
    # Not lost in silence: the task is FAILED, with the error, and the log says so.
    failed = DBTaskResult.objects.get()
    assert failed.status == "FAILED"
    assert "ConnectionRefusedError" in failed.exception_class_path
    assert "giving up on mail to ['a@example.org']" in caplog.text
