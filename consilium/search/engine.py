"""Search: one interface, two backends (SQLite FTS5, PostgreSQL tsvector), access applied in
the query itself.

The rows a reader may see are chosen by the same access helpers the pages use, as subqueries
inside the full-text query, so a count, a rank or a page of results never reflects a row the
reader may not see. Both backends index the same folded words (see `text.py`) and are asked
the same thing: every word as a prefix, a quoted phrase as words in order, `-word` excluded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import User
from consilium.search.models import IdentifierToken, Kind, SearchDocument, SearchMatch
from consilium.search.query import MIN_PREFIX, Query, QueryError, Term, parse
from consilium.search.text import fold, words

AnyUser = User | AnonymousUser
PER_KIND = 10
SNIPPET_CHARS = 90
_ROMAN_GROUP = re.compile(r"^(i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)[a-j]?$")


# --------------------------------------------------------------------------- access


def visible_rule(user: AnyUser) -> Q:
    """The rows `user` may find, as one condition on SearchDocument built from the modules'
    own access helpers (each a subquery: nothing is fetched here)."""
    from consilium.consultations.access import consultations_for_user
    from consilium.library.access import documents_for_user
    from consilium.meetings.access import is_network_member, visible_events
    from consilium.registry.access import patients_for_user

    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    rule = Q(kind=Kind.CONSULTATION, object_id__in=consultations_for_user(user).values("pk"))
    rule |= Q(kind=Kind.PATIENT, object_id__in=patients_for_user(user).values("pk"))
    rule |= Q(kind=Kind.DOCUMENT, object_id__in=documents_for_user(user).values("pk"))
    rule |= Q(kind=Kind.EVENT, object_id__in=visible_events(user).values("pk"))
    if is_network_member(user):
        rule |= Q(kind__in=[Kind.PERSON, Kind.INSTITUTION])
    return rule


# --------------------------------------------------------------------------- backends


def _fts5_term(term: Term) -> str:
    if term.is_phrase:
        return '"' + " ".join(term.words) + '"'
    word = term.words[0]
    return f'"{word}"*' if len(word) >= MIN_PREFIX else f'"{word}"'


def fts5_expression(query: Query) -> str:
    expression = " AND ".join(_fts5_term(t) for t in query.positive)
    for term in query.negative:
        expression = f"({expression}) NOT {_fts5_term(term)}"
    return expression


def _ts_term(term: Term) -> str:
    if term.is_phrase:
        return "(" + " <-> ".join(f"'{w}'" for w in term.words) + ")"
    word = term.words[0]
    return f"'{word}':*" if len(word) >= MIN_PREFIX else f"'{word}'"


def tsquery_expression(query: Query) -> str:
    parts = [_ts_term(t) for t in query.positive] + [f"!{_ts_term(t)}" for t in query.negative]
    return " & ".join(parts)


def _searched() -> QuerySet:
    """The rows a search matches and filters: on PostgreSQL the narrow SearchMatch (same ids,
    same filter columns, the tsvector), on SQLite SearchDocument itself beside FTS5."""
    return (SearchMatch if connection.vendor == "postgresql" else SearchDocument).objects.all()


def _matching(rows: QuerySet, query: Query) -> QuerySet:
    """`rows` narrowed to the full-text match, with a `rank` to order by (lower is better)."""
    if not query.terms:
        return rows.extra(select={"rank": "0"})
    if connection.vendor == "postgresql":
        expression = tsquery_expression(query)
        return rows.extra(
            where=["search_searchmatch.vector @@ to_tsquery('simple', %s)"],
            params=[expression],
            select={"rank": "-ts_rank(search_searchmatch.vector, to_tsquery('simple', %s))"},
            select_params=[expression],
        )
    return rows.extra(
        tables=["search_fts"],
        where=["search_fts.rowid = search_searchdocument.id", "search_fts MATCH %s"],
        params=[fts5_expression(query)],
        select={"rank": "search_fts.rank"},
    )


# --------------------------------------------------------------------------- filters


def _word_filter(column: str, value: str) -> Q:
    rule = Q()
    for word in words(value):
        # Group codes are matched whole (`ii` must not find `iii`); other words as prefixes.
        needle = f" {word} " if _ROMAN_GROUP.match(word) else f" {word}"
        rule &= Q(**{f"{column}__contains": needle})
    return rule


def _status_values() -> dict[str, str]:
    from consilium.consultations.models import ConsultationStatus
    from consilium.registry.models import VitalStatus

    return {**dict(ConsultationStatus.choices), **dict(VitalStatus.choices)}


def filter_rule(query: Query) -> Q:
    rule = Q()
    if "diagnosis" in query.filters:
        rule &= _word_filter("diagnosis", query.filters["diagnosis"])
    if "centre" in query.filters:
        rule &= _word_filter("centre", query.filters["centre"])
    if "status" in query.filters:
        status = query.filters["status"].lower()
        if status not in _status_values():
            raise QueryError(
                _("Unknown status “%(status)s”. Use one of: %(statuses)s.")
                % {"status": status, "statuses": ", ".join(_status_values())}
            )
        rule &= Q(status=status)
    if "year" in query.filters:
        rule &= Q(year=int(query.filters["year"]))
    return rule


# --------------------------------------------------------------------------- identifiers


def identifier_patient_ids(user: AnyUser, query: Query) -> list[int]:
    """Patients whose name holds every word typed, or whose hospital number is what was
    typed: only among the patients of the reader's clinical institutions, through keyed
    digests (the identifiers themselves are never indexed). Whole words only."""
    from consilium.registry.access import patients_for_user
    from consilium.registry.crypto import hospital_number_digest, lookup_digest

    if not query.positive or query.negative or not user.is_authenticated:
        return []
    mine = patients_for_user(user)
    typed = [w for t in query.positive for w in t.words]
    if not typed:
        return []
    candidates: set[int] | None = None
    for word in typed:
        found = set(
            IdentifierToken.objects.filter(
                digest=lookup_digest(f"search-name:{word}"), patient__in=mine.values("pk")
            ).values_list("patient_id", flat=True)
        )
        candidates = found if candidates is None else candidates & found
        if not candidates:
            break
    by_name = candidates or set()
    number = hospital_number_digest("".join(query.raw.split()))
    by_number = set()
    if number:
        by_number = set(
            IdentifierToken.objects.filter(
                digest=number, patient__in=mine.values("pk")
            ).values_list("patient_id", flat=True)
        )
    return sorted(by_name | by_number)


# --------------------------------------------------------------------------- results


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    snippet: SafeString
    url: str
    note: str = ""


@dataclass
class Results:
    query: Query
    counts: dict[str, int] = field(default_factory=dict)
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    identifier_patients: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _url(kind: str, object_id: int) -> str:
    if kind == Kind.CONSULTATION:
        return reverse("consultations:detail", args=[object_id])
    if kind == Kind.PATIENT:
        return reverse("registry:patient_detail", args=[object_id])
    if kind == Kind.DOCUMENT:
        return reverse("library:document", args=[object_id])
    if kind == Kind.EVENT:
        return reverse("meetings:event", args=[object_id])
    if kind == Kind.PERSON:
        return reverse("network:directory") + f"#person-{object_id}"
    from consilium.network.models import Institution

    code = Institution.objects.filter(pk=object_id).values_list("code", flat=True).first()
    return reverse("network:institution", args=[code]) if code else ""


def snippet(text: str, query: Query) -> SafeString:
    """A short piece of `text` around the first word found, the words marked. Folding keeps
    every character in place, so positions found in the folded text hold in the original."""
    wanted = sorted({w for t in query.positive for w in t.words}, key=len, reverse=True)
    if not text:
        return mark_safe("")
    folded = fold(text)
    pattern = (
        re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in wanted) + r")\w*")
        if wanted
        else None
    )
    first = pattern.search(folded) if pattern else None
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS * 2)
    out = ["…" if start else ""]
    position = start
    if pattern:
        for match in pattern.finditer(folded, start, end):
            out.append(escape(text[position : match.start()]))
            out.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
            position = match.end()
    out.append(escape(text[position:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out).replace("\n", " "))  # noqa: S308 - every piece escaped


def search(
    user: AnyUser, raw: str, *, kind: str | None = None, per_kind: int = PER_KIND, offset: int = 0
) -> Results:
    """Results grouped by kind, counted and ranked among what `user` may see only."""
    query = parse(raw)
    results = Results(query=query)
    if query.is_empty:
        return results
    rows = _searched().filter(visible_rule(user)).filter(filter_rule(query))
    if kind:
        rows = rows.filter(kind=kind)
    identifier_ids: list[int] = []
    if kind in (None, Kind.PATIENT) and not query.filters:
        identifier_ids = identifier_patient_ids(user, query)
    matched = _matching(rows, query)
    if identifier_ids:
        # The patients found by identifier join those found by words, counted once.
        by_identifier = rows.filter(kind=Kind.PATIENT, object_id__in=identifier_ids)
        matched_ids = set(matched.values_list("pk", flat=True)) if query.terms else set()
        extra = by_identifier.exclude(pk__in=matched_ids)
        identifier_ids = list(extra.values_list("object_id", flat=True))
        results.identifier_patients = identifier_ids
    counts, chosen = _counted_pages(matched, offset=offset, per_kind=per_kind)
    if identifier_ids:
        counts[Kind.PATIENT] = counts.get(Kind.PATIENT, 0) + len(identifier_ids)
    results.counts = {k: counts[k] for k in Kind.values if counts.get(k)}
    shown = SearchDocument.objects.in_bulk([pk for ids in chosen.values() for pk in ids])
    for group in results.counts:
        hits = [
            Hit(
                kind=row.kind,
                object_id=row.object_id,
                title=row.title,
                snippet=snippet(row.body or row.title, query),
                url=_url(row.kind, row.object_id),
            )
            for row in (shown[pk] for pk in chosen.get(group, []))
        ]
        if group == Kind.PATIENT and identifier_ids and len(hits) < per_kind:
            for row in SearchDocument.objects.filter(
                kind=Kind.PATIENT, object_id__in=identifier_ids
            ).values("object_id", "title")[: per_kind - len(hits)]:
                hits.append(
                    Hit(
                        kind=Kind.PATIENT,
                        object_id=row["object_id"],
                        title=row["title"],
                        snippet=mark_safe(""),
                        url=_url(Kind.PATIENT, row["object_id"]),
                        note=str(_("Found by name or hospital number")),
                    )
                )
        results.groups[group] = hits
    return results


def _counted_pages(
    matched: QuerySet, *, offset: int, per_kind: int
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """How many rows of each kind match, and the ids of each kind's page in rank order, from
    one pass over the match: the full-text match and the reader's access subqueries are the
    costly part, so they are evaluated once rather than once for the counts and again for each
    kind's page (a window per kind does both)."""
    inner, params = (
        matched.order_by().values("id", "kind", "rank", "updated_at").query.sql_with_params()
    )
    # `inner` is the compiler's SQL of a queryset, its values passed apart as parameters.
    sql = (
        "SELECT id, kind, n, place FROM ("  # noqa: S608
        " SELECT id, kind, COUNT(*) OVER (PARTITION BY kind) AS n,"
        " ROW_NUMBER() OVER (PARTITION BY kind ORDER BY rank, updated_at DESC, id) AS place"
        f" FROM ({inner}) matched"
        # The first row of each kind always comes, so a page past a kind's end still counts it.
        ") ranked WHERE place = 1 OR (place > %s AND place <= %s) ORDER BY kind, place"
    )
    counts: dict[str, int] = {}
    chosen: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, offset, offset + per_kind])
        for pk, kind, n, place in cursor.fetchall():
            counts[kind] = n
            if place > offset:
                chosen.setdefault(kind, []).append(pk)
    return counts, chosen
