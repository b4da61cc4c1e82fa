"""Follow-up work is queued in the transaction of the change: a process that dies after the
commit cannot leave a final recommendation with no report or mail (issue 22)."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from consilium.consultations import actions
from consilium.consultations.models import Recommendation
from consilium.consultations.tasks import deliver_report
from tests.consultations.fixtures import SEND_EMAIL, run_queued_tasks

FINAL = {"diagnostic_opinion": "Neuroblastoma, MYCN amplified", "recommended_treatment": "COJEC"}
REPORT = f"{deliver_report.module_path}"


def _finalise(personas, consultation):
    return actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FINAL, finalise=True
    )


def test_it_queues_the_report_inside_the_finalising_transaction(personas, consultation):
    with transaction.atomic():
        recommendation = _finalise(personas, consultation)
        # Already queued before the commit: the queue row commits with the change.
        queued = DBTaskResult.objects.ready().filter(task_path=REPORT)
        assert [r.args_kwargs["kwargs"] for r in queued] == [
            {"recommendation_id": recommendation.pk}
        ]


def test_a_rolled_back_finalisation_queues_nothing(personas, consultation):
    before = DBTaskResult.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _finalise(personas, consultation)
        raise RuntimeError("the request died")
    assert DBTaskResult.objects.count() == before
    assert not Recommendation.objects.exists()


def test_a_report_task_run_again_sends_its_mails_once(personas, consultation):
    recommendation = _finalise(personas, consultation)
    mails_before = DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count()
    deliver_report.call(recommendation_id=recommendation.pk)
    queued = DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count()
    assert queued > mails_before
    # A worker lost after the task's commit runs it again (consilium.core.leases).
    deliver_report.call(recommendation_id=recommendation.pk)
    assert DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count() == queued


def test_a_report_task_that_died_before_its_commit_queues_its_mails_when_run_again(
    personas, consultation, monkeypatch
):
    from consilium.consultations.mail import notify

    recommendation = _finalise(personas, consultation)
    mails_before = DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count()
    real_send = notify.send

    def dies_after_queueing(*args, **kwargs):
        real_send(*args, **kwargs)
        raise SystemExit("killed")  # the worker dies before the task's transaction commits

    monkeypatch.setattr(notify, "send", dies_after_queueing)
    with pytest.raises(SystemExit):
        deliver_report.call(recommendation_id=recommendation.pk)
    recommendation.refresh_from_db()
    assert not recommendation.report
    assert DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count() == mails_before

    monkeypatch.setattr(notify, "send", real_send)
    run_queued_tasks(REPORT)
    recommendation.refresh_from_db()
    assert recommendation.report
    assert DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL).count() > mails_before
