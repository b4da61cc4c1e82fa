"""How patients are split into the groups whose curves are compared.

A grouping is one SQL expression over a Patient row, reading the facts of its first primary
diagnosis kept on it (``origin_*``, see :mod:`consilium.registry.survival_facts`), giving
each patient's group key, NULL for a patient the grouping does not cover
(a tumour that is not an index cancer, a diagnosis outside every period), plus an optional
filter and the labels shown for the keys.

The SQL key is always a small integer: the text values (ICCC group, index cancer, Toronto
stage, period) are numbered by a ``CASE`` over their known list, and :attr:`Grouping.decode`
turns the numbers back into the text keys in Python, so everything downstream (labels,
exports, pooling) sees the same keys as before. Why: at a million patients the ``GROUP BY``
sort is most of the query, and it sorts integers far faster than text (SQLite compares text
through a collation call per comparison). A value outside the list (a stage imported off the
guideline's list, say) gets :data:`UNLISTED` and is grouped by its text in a second query
over those few patients only (:attr:`Grouping.unlisted`), so no patient is lost or merged.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Concat, NullIf
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution, Partnership
from consilium.outcomes import index_cancers
from consilium.registry.models import IcccGroup
from consilium.registry.toronto import TorontoTumour, allowed_stages


class GroupingError(ValueError):
    """A grouping asked for with parameters that cannot work."""


BY_CHOICES = {
    "institution": _("Institution"),
    "iccc": _("ICCC-3 main group"),
    "index": _("WHO index cancer"),
    "stage": _("Toronto stage"),
    "period": _("Period of diagnosis"),
    "partnership": _("Before / after a partnership"),
    "all": _("All patients"),
}


# The integer key of a text value outside a grouping's known list (never a listed value's).
UNLISTED = -1


@dataclass(frozen=True)
class Grouping:
    name: str
    # The SQL group key: an integer expression (or a constant) over a Patient row.
    key: Expression | F | Value
    labels: Callable[[Any], str] = str
    # Extra restriction of the patients (e.g. one institution for before/after).
    filter: Q = field(default_factory=Q)
    # Keys in display order; others (unexpected) follow in sorted order.
    order: Sequence[Any] = ()
    description: str = ""
    # SQL integer key -> the group's key; None when the SQL key is the key (institution id).
    decode: Mapping[int, Any] | None = None
    # The text key of the patients whose SQL key is UNLISTED (grouped apart by it).
    unlisted: Expression | F | None = None

    def key_of(self, sql_key: Any) -> Any:
        return sql_key if self.decode is None or sql_key is None else self.decode[sql_key]

    def sort(self, keys: Sequence[Any]) -> list[Any]:
        rank = {key: i for i, key in enumerate(self.order)}
        return sorted(keys, key=lambda k: (rank.get(k, len(rank)), str(k)))


def _numbered(column: str, values: Sequence[str]) -> Case:
    """``column``'s value as its position in ``values``, NULL for blank, UNLISTED for others."""
    return Case(
        When(**{column: ""}, then=None),
        *(When(**{column: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(UNLISTED),
        output_field=IntegerField(),
    )


def by_all() -> Grouping:
    return Grouping(
        name="all",
        key=Value(0, output_field=IntegerField()),
        labels=lambda _k: str(_("All patients")),
        decode={0: "all"},
    )


def by_institution(institutions: Sequence[Institution]) -> Grouping:
    codes = {i.pk: i.code for i in institutions}
    return Grouping(
        name="institution",
        key=F("institution_id"),
        labels=lambda pk: codes.get(pk, str(pk)),
        order=sorted(codes, key=lambda pk: codes[pk]),
    )


def by_iccc() -> Grouping:
    labels = dict(IcccGroup.choices)
    groups = list(IcccGroup.values)
    return Grouping(
        name="iccc",
        # An unclassifiable tumour (blank group) is not in any ICCC group.
        key=_numbered("origin_iccc_group", groups),
        labels=lambda key: str(labels.get(key, key)),
        order=groups,
        decode=dict(enumerate(groups)),
        unlisted=NullIf(F("origin_iccc_group"), Value("")),
    )


def by_index_cancer() -> Grouping:
    return Grouping(
        name="index",
        # The key index_cancers.index_cancer_key() gave the first diagnosis, "" for none.
        key=_numbered("origin_index_cancer", index_cancers.ORDER),
        labels=lambda key: str(index_cancers.LABELS.get(key, key)),
        order=index_cancers.ORDER,
        decode=dict(enumerate(index_cancers.ORDER)),
        unlisted=NullIf(F("origin_index_cancer"), Value("")),
    )


def by_stage() -> Grouping:
    """Toronto stage within its tumour type ("Wilms tumour: III"): a stage means nothing
    across tumour types. A staged tumour type without a recorded stage is its own group."""
    tumours = dict(TorontoTumour.choices)

    def label(key: str) -> str:
        tumour, _sep, stage = key.partition(":")
        name = str(tumours.get(tumour, tumour))
        return f"{name}: {stage}" if stage else f"{name}: {_('not staged')}"

    # Numbered as tumour * STRIDE + value: one CASE over the tumours and one over every stage
    # value of the guideline (0 for "not staged"), not a CASE over each pair.
    names = list(TorontoTumour.values)
    staged = {s for tumour in names for tier in (1, 2) for s in allowed_stages(tumour, tier)}
    values = ["", *sorted(staged)]
    stride = len(values)
    return Grouping(
        name="stage",
        key=Case(
            When(origin_stage_tumour="", then=None),
            When(
                ~Q(origin_stage_tumour__in=names) | ~Q(origin_stage_value__in=values),
                then=Value(UNLISTED),
            ),
            default=Case(
                *(When(origin_stage_tumour=t, then=Value(i * stride)) for i, t in enumerate(names))
            )
            + Case(*(When(origin_stage_value=v, then=Value(i)) for i, v in enumerate(values))),
            output_field=IntegerField(),
        ),
        labels=label,
        order=[],
        decode={
            i * stride + j: f"{tumour}:{value}"
            for i, tumour in enumerate(names)
            for j, value in enumerate(values)
        },
        unlisted=Concat(F("origin_stage_tumour"), Value(":"), F("origin_stage_value")),
    )


def year_periods(first: int, last: int, width: int) -> list[tuple[int, int]]:
    if width < 1:
        raise GroupingError("a period must be at least one year long")
    return [(start, min(start + width - 1, last)) for start in range(first, last + 1, width)]


def parse_periods(text: str) -> list[tuple[int, int]]:
    """``"2015-2019,2020-2024"`` (or single years ``"2021"``) into year ranges."""
    periods = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, _sep, end = part.partition("-")
        try:
            first, last = int(start), int(end or start)
        except ValueError:
            raise GroupingError(f"{part!r} is not a period like 2015-2019") from None
        if last < first:
            raise GroupingError(f"{part!r} ends before it starts")
        periods.append((first, last))
    periods.sort()
    for (_a, b), (c, _d) in itertools.pairwise(periods):
        if c <= b:
            raise GroupingError("periods must not overlap")
    if not periods:
        raise GroupingError("give at least one period")
    return periods


def by_period(periods: Sequence[tuple[int, int]]) -> Grouping:
    def name(period: tuple[int, int]) -> str:
        first, last = period
        return str(first) if first == last else f"{first}–{last}"

    keys = [name(p) for p in periods]
    return Grouping(
        name="period",
        # Plain date comparisons: indexable and the same on both databases.
        key=Case(
            *(
                When(
                    origin_date__gte=datetime.date(first, 1, 1),
                    origin_date__lte=datetime.date(last, 12, 31),
                    then=Value(i),
                )
                for i, (first, last) in enumerate(periods)
            ),
            default=None,
            output_field=IntegerField(),
        ),
        order=keys,
        decode=dict(enumerate(keys)),
    )


def by_partnership(partnership: Partnership, institution: Institution) -> Grouping:
    """The party institution's patients diagnosed before and since the partnership began."""
    start = partnership.valid_from
    labels = {
        "before": str(_("Before %(date)s") % {"date": start.isoformat()}),
        "after": str(_("From %(date)s") % {"date": start.isoformat()}),
    }
    return Grouping(
        name="partnership",
        key=Case(
            When(origin_date__lt=start, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        filter=Q(institution_id=institution.pk),
        labels=lambda key: labels.get(key, key),
        order=["before", "after"],
        decode={0: "before", 1: "after"},
        description=f"{institution.code} · {partnership.title}",
    )
