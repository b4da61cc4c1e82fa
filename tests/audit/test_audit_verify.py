import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from consilium.audit.actions import record
from consilium.audit.models import AuditEntry
from consilium.audit.sealer import seal


def _tamper(sql: str, params: list) -> None:
    """What an attacker with database access would do: drop the guard, rewrite a row."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        else:
            # A superuser's way round triggers, without ALTER TABLE's locks.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.fixture
def chain(personas):
    entries = [
        record(actor=personas["clinician"], verb=f"test.{i}", details={"i": i}) for i in range(5)
    ]
    seal()
    for entry in entries:
        entry.refresh_from_db()
    return entries


def test_it_says_an_intact_chain_is_intact(chain, capsys):
    call_command("audit_verify")
    assert f"{AuditEntry.objects.count()} entries verified." in capsys.readouterr().out


def test_it_names_the_first_entry_whose_content_was_changed(chain):
    _tamper("UPDATE audit_auditentry SET details = %s WHERE id = %s", ['{"i": 99}', chain[2].id])
    with pytest.raises(CommandError, match=rf"BROKEN at entry #{chain[2].id}: its content"):
        call_command("audit_verify")


def test_it_notices_a_deleted_entry(chain):
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [chain[3].id])
    with pytest.raises(
        CommandError,
        match=rf"BROKEN at entry #{chain[4].id}: the entry sealed at position {chain[3].seq} "
        "is missing",
    ):
        call_command("audit_verify")


def test_it_notices_a_recomputed_hash_that_breaks_the_link(chain):
    _tamper("UPDATE audit_auditentry SET hash = %s WHERE id = %s", ["f" * 64, chain[1].id])
    with pytest.raises(CommandError, match=rf"BROKEN at entry #{chain[1].id}"):
        call_command("audit_verify")


def test_it_notices_two_sealed_entries_swapped_in_the_chain(chain):
    _tamper(
        "UPDATE audit_auditentry SET seq = -seq WHERE id IN (%s, %s)", [chain[1].id, chain[2].id]
    )
    _tamper("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [chain[2].seq, chain[1].id])
    _tamper("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [chain[1].seq, chain[2].id])
    with pytest.raises(CommandError, match=rf"BROKEN at entry #{chain[2].id}"):
        call_command("audit_verify")


def test_it_counts_recent_unsealed_entries_without_failing(chain, settings, capsys):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = False
    record(actor=None, verb="test.recent")
    call_command("audit_verify")
    assert "5 entries verified (1 recent entries not sealed yet)" in capsys.readouterr().out


def test_it_fails_on_entries_left_unsealed_past_the_bound(chain, settings):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = False
    old = AuditEntry.objects.create(
        at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5), verb="test.stuck"
    )
    with pytest.raises(CommandError, match=rf"1 entries \(the oldest #{old.id}\) are unsealed"):
        call_command("audit_verify", "--unsealed-bound", "60")
    seal()
    call_command("audit_verify", "--unsealed-bound", "60")
