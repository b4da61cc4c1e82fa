"""The library's mail: each message in its recipient's language, queued in the transaction
of the change that caused it (consilium.lib.enqueue). Send-out mail names the patient by
pseudonym only."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consilium.accounts.models import User
from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.library.models import Adoption, DocumentVersion, SendOut


def _url(name: str, pk: int) -> str:
    return settings.SITE_URL + reverse(name, args=[pk])


def _send(people: Iterable[User], template: str, context: dict[str, Any]) -> None:
    for person in {p.pk: p for p in people if p.is_active and p.email}.values():
        with translation.override(person.language or settings.LANGUAGE_CODE):
            ctx = {**context, "person": person}
            subject = render_to_string(f"library/email/{template}_subject.txt", ctx)
            body = render_to_string(f"library/email/{template}.txt", ctx)
        enqueue_in_transaction(
            send_email, subject=" ".join(subject.split()), body=body, to=[person.email]
        )


def review_requested(version: DocumentVersion, reviewers: Iterable[User]) -> None:
    _send(
        reviewers,
        "review_requested",
        {"version": version, "url": _url("library:version", version.pk)},
    )


def new_version_approved(version: DocumentVersion) -> None:
    """Coordinators of institutions where an earlier version is in force: adopt the new one."""
    from consilium.library.access import PUBLISHER_ROLES

    adopters = Adoption.objects.filter(
        document_id=version.document_id, in_force_until__isnull=True
    ).exclude(version=version)
    people = User.objects.filter(
        memberships__institution_id__in=adopters.values("institution_id"),
        memberships__role__in=PUBLISHER_ROLES,
        memberships__ended_at__isnull=True,
    ).distinct()
    _send(
        people,
        "version_approved",
        {"version": version, "url": _url("library:document", version.document_id)},
    )


def acknowledgement_requested(
    adoption: Adoption, people: Iterable[User], *, reminder: bool = False
) -> None:
    _send(
        people,
        "acknowledge",
        {
            "adoption": adoption,
            "version": adoption.version,
            "reminder": reminder,
            "url": _url("library:adoption", adoption.pk),
        },
    )


def sendout_requested(sendout: SendOut, lab_staff: Iterable[User]) -> None:
    _send(lab_staff, "sendout_requested", _sendout_context(sendout))


def sendout_finished(sendout: SendOut) -> None:
    _send([sendout.requested_by], "sendout_finished", _sendout_context(sendout))


def _sendout_context(sendout: SendOut) -> dict[str, Any]:
    # Only the pseudonym and the sample: the laboratory never learns who the child is.
    return {
        "sendout": sendout,
        "pseudonym": sendout.patient.pseudonym,
        "url": _url("library:sendout", sendout.pk),
    }
