"""The sealer links entries into the chain in the order they commit, whatever their ids."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from consilium.audit.actions import record, verify_chain
from consilium.audit.models import AuditEntry
from consilium.audit.sealer import LEASE, seal, seal_if_holder
from consilium.core import leases
from consilium.core.models import Lease


@pytest.fixture
def by_sealer(settings):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = False


def _in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: its ids always commit in order",
)
def test_it_seals_an_entry_that_commits_after_a_higher_id_in_a_later_round(
    audit_triggers_off_after_test, personas, by_sealer
):
    recorded, finish = threading.Event(), threading.Event()
    slow = {}

    def slow_request():
        with transaction.atomic():
            slow["entry"] = record(actor=personas["clinician"], verb="test.slow")
            recorded.set()
            finish.wait(10)

    thread = _in_thread(slow_request)
    assert recorded.wait(10)
    fast = record(actor=personas["clinician"], verb="test.fast")
    assert fast.id > slow["entry"].id

    seal()
    fast.refresh_from_db()
    assert fast.sealed
    finish.set()
    thread.join(10)

    assert seal() == 1
    late = AuditEntry.objects.get(pk=slow["entry"].id)
    assert late.seq == fast.seq + 1
    assert late.prev_hash == fast.hash
    result = verify_chain()
    assert result.ok and result.unsealed == 0
    assert result.checked == AuditEntry.objects.count()


def test_it_leaves_no_hole_for_an_entry_that_rolled_back(personas, by_sealer):
    first = record(actor=personas["clinician"], verb="test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=personas["clinician"], verb="test.rolled_back")
        raise RuntimeError
    last = record(actor=personas["clinician"], verb="test.kept_too")
    seal()
    first.refresh_from_db()
    last.refresh_from_db()
    assert last.seq == first.seq + 1
    assert verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one SQLite writer at a time")
def test_it_keeps_one_chain_when_two_sealers_run_at_once(
    audit_triggers_off_after_test, personas, by_sealer
):
    for i in range(300):
        record(actor=None, verb="test.many", details={"i": i})
    results = []
    start = threading.Barrier(2)

    def sealer():
        start.wait(10)
        results.append(seal(batch=50))

    threads = [_in_thread(sealer) for _ in range(2)]
    for thread in threads:
        thread.join(30)
    assert sum(results) == 300
    result = verify_chain()
    assert result.ok and result.unsealed == 0 and result.checked == AuditEntry.objects.count()


def test_it_seals_only_for_the_holder_of_the_lease(personas, by_sealer):
    record(actor=None, verb="test.waiting")
    assert seal_if_holder("worker-a") == 1
    record(actor=None, verb="test.waiting")
    assert seal_if_holder("worker-b") is None
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 1
    # worker-a died: its lease runs out and worker-b takes over.
    Lease.objects.filter(name=LEASE).update(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    assert seal_if_holder("worker-b") == 1
    assert seal_if_holder("worker-a") is None


def test_the_lease_is_one_holders_at_a_time(db):
    assert leases.hold(name="job", holder="a", duration=dt.timedelta(seconds=30))
    assert not leases.hold(name="job", holder="b", duration=dt.timedelta(seconds=30))
    assert leases.hold(name="job", holder="a", duration=dt.timedelta(seconds=30))
    leases.release(name="job", holder="a")
    assert leases.hold(name="job", holder="b", duration=dt.timedelta(seconds=30))


def test_it_seals_from_the_command(personas, by_sealer, capsys):
    record(actor=None, verb="test.one")
    record(actor=None, verb="test.two")
    call_command("audit_seal")
    assert "2 audit entries sealed." in capsys.readouterr().out
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
