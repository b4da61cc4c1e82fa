"""Mail about a consultation: one message per participant, in their language, with a reply
address that belongs to that person and that thread, so a plain reply lands in the thread."""

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consilium.accounts.access import institution_ids_with_role, roles_by_institution
from consilium.accounts.models import CONSULTING_ROLES, ConsultationMail, Role, User
from consilium.consultations.mail import previews
from consilium.consultations.mail.reply_tokens import make_reply_address
from consilium.consultations.models import ACTIVE_ASSIGNMENT, Consultation
from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction

# What a person who chose the daily digest reads there instead of in a mail of its own
# (consultations/digest.py). The rest asks for an answer by a deadline (an invitation, a
# reminder, a triage, the follow-up question) and always goes at once.
DIGESTED = frozenset({"message", "accepted", "recommendation", "outcome"})
# The mails that ask an expert to take the case on: they show the consultation's images.
INVITING = frozenset({"offered", "reminder"})
# Where the text part says "this consultation has N images", the HTML part shows them.
IMAGES_HERE = "\x1econsilium-images\x1e"


def reply_secret() -> bytes:
    return (settings.SECRET_KEY + ":reply").encode()


def reply_address(consultation: Consultation, person: User) -> str:
    return make_reply_address(
        secret=reply_secret(),
        thread_id=consultation.pk,
        person_id=person.pk,
        domain=settings.CONSILIUM_REPLY_DOMAIN,
        issued_at=int(time.time()),
    )


def thread_id_header(consultation: Consultation) -> str:
    return f"<consultation-{consultation.pk}@{settings.CONSILIUM_REPLY_DOMAIN}>"


def requesting_team(consultation: Consultation) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__institution_id=consultation.requesting_institution_id,
            memberships__role__in=CONSULTING_ROLES,
            memberships__ended_at__isnull=True,
        ).distinct()
    )


def assigned_experts(consultation: Consultation) -> list[User]:
    return list(
        User.objects.filter(
            assignments__consultation=consultation, assignments__status__in=ACTIVE_ASSIGNMENT
        ).distinct()
    )


def partner_coordinators(consultation: Consultation) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__institution_id=consultation.expert_institution_id,
            memberships__role__in=[Role.COORDINATOR, Role.ADMIN],
            memberships__ended_at__isnull=True,
        ).distinct()
    )


def followers(consultation: Consultation) -> list[User]:
    """The requesting side's people in this consultation: who asked, and the clinicians of
    the requesting institution who have opened or written in it. Not the whole institution,
    and not its data managers, who keep the registry rather than the discussion."""
    from consilium.consultations.models import ReadMark

    readers = ReadMark.objects.filter(consultation=consultation).values("user_id")
    clinicians = User.objects.filter(
        is_active=True,
        pk__in=readers,
        memberships__institution_id=consultation.requesting_institution_id,
        memberships__role=Role.CLINICIAN,
        memberships__ended_at__isnull=True,
    )
    people = {u.pk: u for u in clinicians.distinct()}
    asker = consultation.requested_by
    # The asker while still on the requesting team: one who left the hospital is not written
    # to about its patients.
    asker_roles = roles_by_institution(asker).get(consultation.requesting_institution_id, set())
    if asker.pk not in people and asker_roles & CONSULTING_ROLES:
        people[asker.pk] = asker
    return list(people.values())


def participant_rule(user: User) -> Q:
    """The consultations `user` is among the `participants` of, as a filter: asked by them
    while still on the requesting team, assigned to them, or opened by them as a clinician of
    the requesting institution. The digest gathers by it, so it reaches the same people the
    immediate mail would."""
    from consilium.consultations.models import Assignment, ReadMark

    consulting_at = institution_ids_with_role(user, CONSULTING_ROLES)
    clinician_at = institution_ids_with_role(user, {Role.CLINICIAN})
    assigned = Assignment.objects.filter(
        consultation=OuterRef("pk"), expert=user, status__in=ACTIVE_ASSIGNMENT
    )
    marked = ReadMark.objects.filter(consultation=OuterRef("pk"), user=user)
    return (
        Q(requested_by=user, requesting_institution_id__in=consulting_at)
        | Exists(assigned)
        | (Exists(marked) & Q(requesting_institution_id__in=clinician_at))
    )


def participants(consultation: Consultation) -> list[User]:
    """Who a new message or a recommendation is mailed to."""
    people = {u.pk: u for u in followers(consultation)}
    people.update({u.pk: u for u in assigned_experts(consultation)})
    return list(people.values())


def reaches(person: User, consultation: Consultation, template: str) -> bool:
    """Whether this mail may go to this person now: only while they can still see the
    consultation (an ended membership or partnership ends the mail too), and the discussion
    itself only to clinicians and experts, never to a data manager or a navigator."""
    from consilium.consultations.access import consultations_for_user

    if not consultations_for_user(person).filter(pk=consultation.pk).exists():
        return False
    if template == "message":
        roles = roles_by_institution(person).get(consultation.requesting_institution_id)
        if roles and Role.CLINICIAN not in roles:
            return False
    return True


def wants_digest(person: User, template: str) -> bool:
    return template in DIGESTED and person.consultation_mail == ConsultationMail.DIGEST


def images_for(
    consultation: Consultation, template: str, context: dict | None
) -> previews.Previews | None:
    """The images a mail shows inline: the consultation's in an invitation, the new
    message's own in a message mail."""
    if template in INVITING:
        source = consultation.attachments.all()
    elif template == "message" and (context or {}).get("attachments"):
        source = context["attachments"]
    else:
        return None
    return previews.choose(source, consultation_id=consultation.pk)


def _html(template: str, values: dict, body: str) -> str:
    images = values.get("images")
    before, after = body, ""
    if images is not None and images.shown:
        # The text once more, marked where the images go, so the HTML shows them beside
        # the words that announce them rather than under the footer.
        marked = render_to_string(
            f"consultations/email/{template}.txt", {**values, "images_here": IMAGES_HERE}
        )
        if IMAGES_HERE in marked:
            before, _marker, after = marked.partition(IMAGES_HERE)
    return render_to_string(
        "consultations/email/base.html", {**values, "body": before, "body_after": after}
    )


def send(
    consultation: Consultation,
    recipients: Iterable[User],
    template: str,
    *,
    exclude: User | None = None,
    context: dict | None = None,
    stored_attachments: list[tuple[str, str, str]] | None = None,
    attachments_for: Callable[[User], list[tuple[str, str, str]]] | None = None,
) -> int:
    """Queue `consultations/email/<template>` for each recipient, in the current transaction.
    `attachments_for(person)` gives files made for that reader (a report in their language)."""
    url = settings.SITE_URL + reverse("consultations:detail", args=[consultation.pk])
    from consilium.consultations.summary import clinical_summary

    count = 0
    images: previews.Previews | None = None
    for person in recipients:
        if exclude is not None and person.pk == exclude.pk:
            continue
        if wants_digest(person, template) or not reaches(person, consultation, template):
            continue
        if images is None:
            # Once for all readers, and only when someone is written to.
            images = images_for(consultation, template, context) or previews.Previews()
        language = person.language or settings.LANGUAGE_CODE
        with translation.override(language):
            # Per reader: its words (sex, marker results, resources) are translated when built;
            # built once for all, a French expert read them in the requester's Vietnamese.
            clinical = clinical_summary(consultation)
        values = {
            "consultation": consultation,
            "clinical": clinical,
            "person": person,
            "url": url,
            "reply_domain": settings.CONSILIUM_REPLY_DOMAIN,
            "images": images,
            **(context or {}),
        }
        with translation.override(language):
            subject = render_to_string(f"consultations/email/{template}_subject.txt", values)
            body = render_to_string(f"consultations/email/{template}.txt", values)
            html = _html(template, values, body)
        headers = {
            "In-Reply-To": thread_id_header(consultation),
            "References": thread_id_header(consultation),
            "Auto-Submitted": "auto-generated",
            "X-Consilium-Consultation": str(consultation.pk),
        }
        enqueue_in_transaction(
            send_email,
            subject=" ".join(subject.split()),
            body=body,
            html=html,
            to=[person.email],
            reply_to=[reply_address(consultation, person)],
            headers=headers,
            stored_attachments=[
                *(stored_attachments or []),
                *(attachments_for(person) if attachments_for else []),
            ],
            **({"inline_images": images.task_argument()} if images.shown else {}),
        )
        count += 1
    return count
