import pytest
from django.db import DatabaseError, IntegrityError, transaction

from consilium.audit.actions import record, verify_chain
from consilium.audit.chain import GENESIS
from consilium.audit.models import AuditEntry
from consilium.audit.sealer import seal

# The refusals below are the database's own: check them with its triggers in place.
pytestmark = pytest.mark.usefixtures("audit_triggers_on")


@pytest.fixture(params=[True, False], ids=["sealed-inline", "sealed-by-the-sealer"])
def sealing(request, settings):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = request.param
    return request.param


def test_it_chains_each_entry_to_the_one_before(personas, sealing):
    first = record(actor=personas["clinician"], verb="test.one", details={"a": 1})
    second = record(actor=None, verb="test.two", obj=personas["expert"], institution_id=None)
    assert first.sealed is sealing
    seal()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (
        first.prev_hash == GENESIS
        or first.prev_hash == AuditEntry.objects.get(seq=first.seq - 1).hash
    )
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert second.object_type == "accounts.user"
    assert second.object_id == str(personas["expert"].pk)
    result = verify_chain()
    assert result.ok
    assert result.checked == AuditEntry.objects.count()
    assert result.unsealed == 0


def test_it_is_rolled_back_with_the_change_it_records(personas, sealing):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=personas["clinician"], verb="test.half")
        raise RuntimeError("the change failed")
    assert AuditEntry.objects.count() == before
    record(actor=personas["clinician"], verb="test.after")
    seal()
    assert verify_chain().checked == before + 1


def test_it_refuses_updates_and_deletes_in_the_database(personas, sealing):
    entry = record(actor=personas["clinician"], verb="test.protected")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(verb="test.rewritten")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).verb == "test.protected"


def test_it_refuses_a_seal_that_also_changes_the_content(personas, settings):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = False
    entry = record(actor=personas["clinician"], verb="test.unsealed")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(seq=10**9, hash="a" * 64, verb="test.other")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(details={"rewritten": True})


def test_it_refuses_to_seal_an_entry_twice(personas, settings):
    settings.CONSILIUM_AUDIT_SEAL_INLINE = False
    entry = record(actor=personas["clinician"], verb="test.unsealed")
    seal()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(seq=10**9, hash="b" * 64, prev_hash="")
    assert verify_chain().ok
