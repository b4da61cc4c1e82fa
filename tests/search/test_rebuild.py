"""Rebuilding the index from nothing: one connection, or (PostgreSQL) two writing batches side
by side. Both must give the same rows, remove the rows of objects that are gone, and stop on an
error rather than report a half-built index as done. The rows are committed (transactional
tests): the rebuild's second connection cannot see a test's open transaction."""

import threading

import pytest
from django.db import connection

from consilium.search import index
from consilium.search.models import IdentifierToken, Kind, SearchDocument

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_triggers_off_after_test"),
]

KINDS = [Kind.PATIENT, Kind.CONSULTATION, Kind.PERSON, Kind.INSTITUTION]


def _rows() -> list[tuple]:
    return sorted(
        SearchDocument.objects.values_list(
            "kind", "object_id", "title", "body", "words", "diagnosis", "centre", "status", "year"
        )
    )


def _tokens() -> list[tuple]:
    return sorted(IdentifierToken.objects.values_list("patient_id", "digest"))


@pytest.fixture
def built(personas, memory):
    """The network memory's rows as the actions wrote them, then a row of a person who is
    gone and every row of one kind lost (as after a restore)."""
    index._save(Kind.PERSON, 999_999, title="Nobody any more", body="")
    SearchDocument.objects.filter(kind=Kind.INSTITUTION).delete()
    return memory


def _threads_used(monkeypatch) -> set[str]:
    names: set[str] = set()
    real = index.refresh_many

    def counting(kind, ids):
        names.add(threading.current_thread().name)
        return real(kind, ids)

    monkeypatch.setattr(index, "refresh_many", counting)
    return names


def test_one_connection_makes_every_row_anew_and_drops_the_stale(built):
    counts = index.rebuild(KINDS, batch=2, workers=1)
    rows = _rows()
    assert not any(kind == Kind.PERSON and pk == 999_999 for kind, pk, *_ in rows)
    institutions = [r for r in rows if r[0] == Kind.INSTITUTION]
    assert len(institutions) == counts["institution"] > 0
    assert counts["consultation"] == len(built) == 4


def test_two_connections_give_the_same_rows_as_one(built, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: its rebuild uses one connection")
    index.rebuild(KINDS, batch=2, workers=1)
    rows, tokens = _rows(), _tokens()
    SearchDocument.objects.all().delete()
    IdentifierToken.objects.all().delete()
    index._save(Kind.PERSON, 999_999, title="Nobody any more", body="")

    names = _threads_used(monkeypatch)
    counts = index.rebuild(KINDS, batch=2)  # the default on PostgreSQL outside a transaction
    assert len(names) == 2 and all(n.startswith("search-rebuild") for n in names)
    assert _rows() == rows
    assert _tokens() == tokens
    assert counts["consultation"] == 4


def test_inside_a_transaction_the_rebuild_keeps_to_its_connection(built, monkeypatch):
    """An action or a test calling it inside a transaction must see its own rows; another
    connection would not."""
    from django.db import transaction

    names = _threads_used(monkeypatch)
    with transaction.atomic():
        index.rebuild(KINDS, batch=2)
    assert names == {threading.main_thread().name}


def test_an_error_in_one_batch_stops_the_rebuild_and_is_raised(built, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the threads run on PostgreSQL only")
    real = index.refresh_many

    def failing(kind, ids):
        if kind == Kind.CONSULTATION:
            raise RuntimeError("the text of a message could not be read")
        return real(kind, ids)

    monkeypatch.setattr(index, "refresh_many", failing)
    with pytest.raises(RuntimeError, match="could not be read"):
        index.rebuild(KINDS, batch=1)
    # The stale row is still there: the rebuild did not go on to the clean-up as if done.
    assert SearchDocument.objects.filter(kind=Kind.PERSON, object_id=999_999).exists()
