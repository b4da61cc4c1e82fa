"""Partnership consent mail: the other parties' coordinators are asked, the proposer told."""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consilium.accounts.models import Membership, Role, User
from consilium.core.tasks import send_email
from consilium.network.models import Institution, Partnership


def _coordinators(institutions: Iterable[Institution]) -> list[User]:
    """Coordinators answer for their institution; admins only where it has no coordinator."""
    people: dict[int, User] = {}
    for institution in institutions:
        rows = Membership.objects.filter(
            institution=institution, ended_at__isnull=True, user__is_active=True
        ).select_related("user")
        coordinators = [m.user for m in rows if m.role == Role.COORDINATOR]
        for user in coordinators or [m.user for m in rows if m.role == Role.ADMIN]:
            people[user.pk] = user
    return list(people.values())


def _send(template: str, to: User, context: dict) -> None:
    with translation.override(to.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"network/email/{template}_subject.txt", context)
        body = render_to_string(f"network/email/{template}.txt", context)
    transaction.on_commit(
        partial(send_email.enqueue, subject=" ".join(subject.split()), body=body, to=[to.email])
    )


def _url(partnership: Partnership) -> str:
    return settings.SITE_URL + reverse("network:partnership", args=[partnership.pk])


def enqueue_requests(
    partnership: Partnership, institutions: list[Institution], *, proposer: User
) -> None:
    """Ask the coordinators of each party that has not confirmed, in their language."""
    parties = sorted(p.institution.name for p in partnership.parties.select_related("institution"))
    for person in _coordinators(institutions):
        context = {
            "person": person,
            "partnership": partnership,
            "proposer": proposer,
            "parties": parties,
            "url": _url(partnership),
        }
        _send("partnership_proposed", person, context)


def enqueue_outcome(partnership: Partnership, *, accepted: bool, actor: User) -> None:
    """Tell the proposer (when someone else decided) that it is now active or declined."""
    proposer = partnership.created_by
    if proposer.pk == actor.pk or not proposer.is_active:
        return
    context = {
        "person": proposer,
        "partnership": partnership,
        "actor": actor,
        "accepted": accepted,
        "url": _url(partnership),
    }
    _send("partnership_decided", proposer, context)
