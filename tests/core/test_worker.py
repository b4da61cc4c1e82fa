from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from consilium.core.tasks import send_email


def test_it_runs_queued_tasks_through_the_database_worker(audit_triggers_off_after_test):
    result = send_email.enqueue(subject="Reminder", body="Milestone due", to=["a@example.org"])
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    assert mail.outbox == []

    call_command("worker", batch=True, verbosity=0)

    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert [m.subject for m in mail.outbox] == ["Reminder"]
