"""The entry of a read commits without waiting for the disk on PostgreSQL; nothing else does."""

import re
from pathlib import Path

import pytest
from django.db import connection, transaction

from consilium.audit.actions import READS, record
from consilium.audit.models import AuditEntry

pytestmark = pytest.mark.usefixtures("audit_triggers_off_after_test")
CODE = Path(__file__).resolve().parents[2] / "consilium"


class Statements:
    """The SQL the connection runs while installed (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append(sql)
        return execute(sql, params, many, context)

    def without_waiting(self) -> list[str]:
        return [s for s in self.seen if "set_config('synchronous_commit', 'off', true)" in s]


def recorded(verb: str, actor) -> tuple[AuditEntry, Statements]:
    statements = Statements()
    with connection.execute_wrapper(statements):
        entry = record(actor=actor, verb=verb)
    return entry, statements


def test_every_read_verb_is_one_the_code_records():
    # A verb renamed where it is recorded would silently wait again: the list must follow.
    used = set()
    for path in CODE.rglob("*.py"):
        if path.name != "actions.py" or path.parent.name != "audit":
            used.update(re.findall(r'verb="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert used >= READS, READS - used


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_read_on_its_own_does_not_wait_and_leaves_the_session_waiting(personas):
    entry, statements = recorded("consultations.viewed", personas["expert"])
    assert len(statements.without_waiting()) == 1
    assert AuditEntry.objects.get(pk=entry.pk).verb == "consultations.viewed"
    with connection.cursor() as cursor:
        # set_config(..., true) lasts for the entry's own transaction only: the next write
        # of this connection (a change) waits for the disk again.
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_change_and_a_read_inside_a_change_wait_for_the_disk(personas):
    _, change = recorded("consultations.withdrawn", personas["clinician"])
    assert change.seen and not change.without_waiting()
    statements = Statements()
    with connection.execute_wrapper(statements), transaction.atomic():
        record(actor=personas["expert"], verb="consultations.viewed")
    assert statements.seen and not statements.without_waiting()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_deployment_can_make_reads_wait(personas, settings):
    settings.CONSILIUM_AUDIT_READS_WAIT_FOR_DISK = True
    _, statements = recorded("registry.patient_viewed", personas["clinician"])
    assert statements.seen and not statements.without_waiting()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_on_sqlite_a_read_is_sealed_as_it_is_written(personas):
    entry, statements = recorded("consultations.viewed", personas["expert"])
    assert entry.sealed
    assert not statements.without_waiting()
