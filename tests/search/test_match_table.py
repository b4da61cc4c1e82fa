"""PostgreSQL keeps the tsvector in a narrow table (SearchMatch) by trigger: every write to a
search row must reach it in the same transaction, or a search would miss or show stale rows."""

import pytest
from django.db import connection, transaction

from consilium.search import index
from consilium.search.models import Kind, SearchDocument, SearchMatch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's full-text index is FTS5; the narrow table is PostgreSQL's")


def _match(document: SearchDocument) -> SearchMatch | None:
    return SearchMatch.objects.filter(pk=document.pk).first()


def _lexemes(match: SearchMatch) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(tsvector_to_array(%s::tsvector))", [match.vector])
        return {row[0] for row in cursor.fetchall()}


def test_a_new_row_an_edit_a_status_change_and_a_removal_reach_the_match_table():
    index._save(Kind.INSTITUTION, 42, title="Bệnh viện Nhi", body="")
    document = SearchDocument.objects.get(kind=Kind.INSTITUTION, object_id=42)
    match = _match(document)
    assert (match.kind, match.object_id) == (Kind.INSTITUTION, 42)
    assert {"benh", "vien", "nhi"} <= _lexemes(match)

    SearchDocument.objects.filter(pk=document.pk).update(words="benh vien k")
    assert _lexemes(_match(document)) == {"benh", "vien", "k"}

    index.set_status(Kind.INSTITUTION, 42, "closed")
    match = _match(document)
    assert match.status == "closed"
    assert _lexemes(match) == {"benh", "vien", "k"}  # a status change leaves the words be

    index.remove(Kind.INSTITUTION, 42)
    assert _match(document) is None


def test_a_rolled_back_write_leaves_no_match_behind():
    with pytest.raises(RuntimeError), transaction.atomic():
        index._save(Kind.INSTITUTION, 7, title="Curie", body="")
        raise RuntimeError
    assert not SearchMatch.objects.filter(kind=Kind.INSTITUTION, object_id=7).exists()
    assert SearchMatch.objects.count() == SearchDocument.objects.count()


def test_statements_of_many_rows_reach_the_match_table_row_by_row():
    """The triggers are per statement (a rebuild writes a thousand rows at a time): each row
    of a many-row insert, update and delete must reach its match, and no other row."""
    index._save(Kind.INSTITUTION, 1, title="Untouched", body="")
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                kind=Kind.EVENT,
                object_id=i,
                title=f"t{i}",
                words=f"word{i} shared",
                updated_at=SearchDocument.objects.get(object_id=1).updated_at,
            )
            for i in range(100, 110)
        ]
    )
    matches = SearchMatch.objects.filter(kind=Kind.EVENT)
    assert matches.count() == 10
    assert _lexemes(matches.get(object_id=105)) == {"word105", "shared"}

    SearchDocument.objects.filter(kind=Kind.EVENT, object_id__lt=105).update(status="past")
    SearchDocument.objects.filter(kind=Kind.EVENT, object_id__gte=108).update(words="renamed")
    assert set(matches.filter(status="past").values_list("object_id", flat=True)) == set(
        range(100, 105)
    )
    assert _lexemes(matches.get(object_id=103)) == {"word103", "shared"}
    assert _lexemes(matches.get(object_id=109)) == {"renamed"}

    SearchDocument.objects.filter(kind=Kind.EVENT, object_id__in=[100, 101, 102]).delete()
    assert sorted(matches.values_list("object_id", flat=True)) == list(range(103, 110))
    untouched = SearchDocument.objects.get(kind=Kind.INSTITUTION, object_id=1)
    assert _lexemes(_match(untouched)) == {"untouched"}
    assert SearchMatch.objects.count() == SearchDocument.objects.count()
