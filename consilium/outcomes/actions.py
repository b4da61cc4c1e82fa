"""Sharing aggregates with other sites: the one change the outcomes module makes is to the
audit log, which records every aggregate file that left the site and every file set beside it.
The page and ``consilium outcomes-export`` go through the same function."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpRequest

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import DEFAULT_THRESHOLD, SiteAggregates, export_document


def export_aggregates(
    *,
    institution: Institution,
    actor: User | None,
    threshold: int = DEFAULT_THRESHOLD,
    actor_label: str = "",
    output: str = "-",
    request: HttpRequest | None = None,
) -> str:
    """The site's aggregate file as JSON text (raises ExchangeError for a bad threshold)."""
    document = export_document(institution, threshold=threshold)
    with transaction.atomic():
        record(
            actor=actor,
            actor_label=actor_label,
            verb="outcomes.aggregates_exported",
            institution_id=institution.pk,
            details={"threshold": threshold, "output": output},
            request=request,
        )
    return json.dumps(document, ensure_ascii=False, indent=1)


def record_comparison(
    *,
    institution: Institution,
    actor: User,
    site: SiteAggregates,
    endpoint: Endpoint,
    request: HttpRequest | None = None,
) -> None:
    """Which other site's figures were set beside this site's, and by whom."""
    record(
        actor=actor,
        verb="outcomes.aggregates_compared",
        institution_id=institution.pk,
        details={"site": site.site, "file": site.source, "endpoint": endpoint.value},
        request=request,
    )
