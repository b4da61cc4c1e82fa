import pytest
from django.db import DatabaseError, IntegrityError, transaction

from consilium.audit.actions import record, verify_chain
from consilium.audit.chain import GENESIS
from consilium.audit.models import AuditEntry


def test_it_chains_each_entry_to_the_one_before(personas):
    first = record(actor=personas["clinician"], verb="test.one", details={"a": 1})
    second = record(actor=None, verb="test.two", obj=personas["expert"], institution_id=None)
    assert (
        first.prev_hash == GENESIS
        or first.prev_hash == AuditEntry.objects.get(id=first.id - 1).hash
    )
    assert second.prev_hash == first.hash
    assert second.object_type == "accounts.user"
    assert second.object_id == str(personas["expert"].pk)
    assert verify_chain().ok


def test_it_is_rolled_back_with_the_change_it_records(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=personas["clinician"], verb="test.half")
        raise RuntimeError("the change failed")
    assert AuditEntry.objects.count() == before


def test_it_refuses_updates_and_deletes_in_the_database(personas):
    entry = record(actor=personas["clinician"], verb="test.protected")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(verb="test.rewritten")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).verb == "test.protected"
