import datetime

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consilium.core import leases
from consilium.core.models import WorkerHeartbeat
from consilium.core.tasks import send_email


def _claimed(*, ago: float, workers: list[str]) -> DBTaskResult:
    result = send_email.enqueue(subject="s", body="b", to=["a@example.org"])
    started = timezone.now() - datetime.timedelta(seconds=ago)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=started, worker_ids=workers
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_it_queues_again_a_task_whose_worker_is_gone(db, settings):
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    lost = _claimed(ago=61, workers=["dead"])
    assert leases.reclaim_lost_tasks() == 1
    lost.refresh_from_db()
    assert (lost.status, lost.started_at, lost.worker_ids) == ("READY", None, ["dead"])
    assert DBTaskResult.objects.ready().filter(pk=lost.pk).exists()


def test_it_leaves_a_long_task_whose_worker_renews_its_lease(db, settings):
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    long = _claimed(ago=3600, workers=["alive"])
    leases.beat(worker_id="alive", task_id=long.pk)
    assert leases.reclaim_lost_tasks() == 0
    long.refresh_from_db()
    assert long.status == "RUNNING"


def test_it_reclaims_a_task_its_live_worker_no_longer_runs(db, settings):
    # The worker lost its database while recording the result and went on to other work.
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    dropped = _claimed(ago=120, workers=["alive"])
    leases.beat(worker_id="alive", task_id=None)
    assert leases.reclaim_lost_tasks() == 1
    dropped.refresh_from_db()
    assert dropped.status == "READY"


def test_it_gives_a_just_claimed_task_the_time_to_be_named(db, settings):
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    fresh = _claimed(ago=5, workers=["starting"])
    assert leases.reclaim_lost_tasks() == 0
    fresh.refresh_from_db()
    assert fresh.status == "RUNNING"


def test_it_fails_a_task_that_lost_its_worker_three_times(db, settings):
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    poison = _claimed(ago=61, workers=["w1", "w2", "w3"])
    assert leases.reclaim_lost_tasks() == 1
    poison.refresh_from_db()
    assert poison.status == "FAILED"
    assert poison.exception_class_path == "consilium.core.leases.WorkerLost"
    assert "3 times" in poison.traceback
    assert poison.finished_at is not None


def test_it_does_not_touch_a_task_claimed_again_since_it_was_read(db, settings):
    settings.CONSILIUM_WORKER_LEASE_SECONDS = 60
    lost = _claimed(ago=61, workers=["dead"])
    seen = DBTaskResult.objects.get(pk=lost.pk)
    # Another worker put it back and a third claimed it between our read and our write.
    DBTaskResult.objects.filter(pk=lost.pk).update(
        started_at=timezone.now(), worker_ids=["dead", "other"]
    )
    assert leases.put_back(seen, now=timezone.now()) == 0
    lost.refresh_from_db()
    assert (lost.status, lost.worker_ids) == ("RUNNING", ["dead", "other"])


def test_it_forgets_heartbeats_a_day_old(db):
    leases.beat(worker_id="old", task_id=None)
    WorkerHeartbeat.objects.filter(pk="old").update(
        seen_at=timezone.now() - datetime.timedelta(days=2)
    )
    leases.beat(worker_id="new", task_id=None)
    leases.reclaim_lost_tasks()
    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == ["new"]
