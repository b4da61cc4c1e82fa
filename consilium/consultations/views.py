from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage, Page, Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.consultations import actions, activity, drafts, opinions, patient_chooser
from consilium.consultations.access import (
    Side,
    audit_download,
    consultations_for_user,
    get_consultation_for_user,
    requester_institution_ids,
)
from consilium.consultations.activity import with_unread
from consilium.consultations.archive import PAGE_SIZE as ARCHIVE_PAGE_SIZE
from consilium.consultations.archive import ArchiveForm, archive, in_order, rows_of
from consilium.consultations.assignment import candidates, partner_languages
from consilium.consultations.forms import (
    AssignForm,
    DeclineForm,
    FollowUpForm,
    MessageForm,
    RecommendationForm,
    RequestForm,
    SecondOpinionForm,
    WithdrawForm,
)
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    OPEN_SECOND_OPINION,
    OPEN_STATUSES,
    Assignment,
    Consultation,
    ConsultationStatus,
    DraftKind,
    Message,
    MessageSource,
    RecommendationStatus,
    SummaryTemplate,
)
from consilium.consultations.report import report_for
from consilium.consultations.summary import diagnosis_lines
from consilium.consultations.summary_templates import ICCC_TEMPLATE
from consilium.consultations.turnaround import turnaround_tables
from consilium.lib.forms import add_action_errors
from consilium.lib.text_input import query_int
from consilium.network.access import telemedicine_partner_ids
from consilium.network.models import Institution
from consilium.network.resources import grouped_catalogue
from consilium.registry.access import patients_for_user
from consilium.search import similar as similar_cases


def _signed_in(form_page: Callable[..., str]) -> Callable:
    """login_required for a view that takes posts: a post from someone signed out (a session
    that ended some other way than by expiring) is sent to sign in and then to the form's page,
    not back to the URL it posted to, which answers no GET."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            after = form_page(**kwargs) if request.method == "POST" else request.get_full_path()
            return redirect_to_login(after)

        return wrapped

    return decorator


def _uploads(files) -> list[actions.Upload]:
    return [actions.Upload(filename=f.name, data=f.read()) for f in files]


# A queue shows the most pressing few of each list; a hospital of a national network has
# hundreds of consultations open at once, and rendering them all made the page the slowest.
QUEUE_LIMIT = 25
PAGE_SIZE = 50


@dataclass
class Section:
    key: str
    items: list[Consultation]
    total: int
    page: Page | None = None

    @property
    def more(self) -> int:
        return self.total - len(self.items) if self.page is None else 0


def _section(request: HttpRequest, key: str, queryset: QuerySet[Consultation]) -> Section:
    """The first QUEUE_LIMIT of a list, or one page of all of it when asked (?show=key). Read
    by ids first (archive.in_order), but for a DISTINCT list, whose ordering columns must be
    among those it selects."""
    by_ids = not queryset.query.distinct
    source = queryset.values_list("pk", flat=True) if by_ids else queryset

    def read(part) -> list[Consultation]:
        return in_order(list(part), request.user) if by_ids else list(part)

    if request.GET.get("show") == key:
        page = Paginator(source, PAGE_SIZE).get_page(request.GET.get("page"))
        return Section(key, read(page.object_list), page.paginator.count, page)
    items = read(source[: QUEUE_LIMIT + 1])
    if len(items) <= QUEUE_LIMIT:
        return Section(key, items, len(items))
    # Counted only when the list overflows: the usual queue costs no COUNT at all.
    return Section(key, items[:QUEUE_LIMIT], queryset.count())


def _queue_sections(request: HttpRequest, visible: QuerySet[Consultation]) -> dict:
    user = request.user
    mine = Assignment.objects.filter(
        expert=user, status__in=ACTIVE_ASSIGNMENT, second_opinion__isnull=True
    ).values("consultation_id")
    # A second opinion waits for its expert whatever the first opinion's state.
    mine_second = Assignment.objects.filter(
        expert=user,
        status__in=ACTIVE_ASSIGNMENT,
        second_opinion__status__in=OPEN_SECOND_OPINION,
    ).values("consultation_id")
    own_ids = requester_institution_ids(user)
    waiting = Q(pk__in=mine, status__in=OPEN_STATUSES)
    # Only when there is one: an empty OR branch makes PostgreSQL read every consultation
    # (consilium.consultations.access._second_opinion_rule).
    if mine_second.exists():
        waiting |= Q(pk__in=mine_second)
    to_answer = visible.filter(waiting).order_by("first_reply_due")
    ours = visible.filter(requesting_institution_id__in=own_ids)
    # Latest ask first, which is also the order of its index (consultation_ours_status).
    waiting_for_me = ours.filter(
        status=ConsultationStatus.RECOMMENDED, follow_up_asked_at__isnull=False
    ).order_by("-follow_up_asked_at", "-pk")
    triage_ids = institution_ids_with_role(user, {Role.COORDINATOR, Role.ADMIN})
    needs_triage = (
        visible.filter(expert_institution_id__in=triage_ids, status=ConsultationStatus.SUBMITTED)
        .exclude(assignments__status__in=ACTIVE_ASSIGNMENT)
        .distinct()
    )
    return {
        "to_answer": _section(request, "to_answer", with_unread(to_answer, user)),
        "ours_open": _section(
            request, "ours_open", with_unread(ours.filter(status__in=OPEN_STATUSES), user)
        ),
        "waiting_for_me": _section(request, "waiting_for_me", with_unread(waiting_for_me, user)),
        "needs_triage": _section(request, "needs_triage", needs_triage),
    }


def _audit_list(
    request: HttpRequest,
    form: ArchiveForm,
    context: dict,
    shown: list[Consultation],
    page: int | None = None,
) -> None:
    """A list of pseudonyms is a read of patient data: say which ones were shown."""
    for value in context.values():
        if isinstance(value, Section):
            shown = shown + value.items
    record(
        actor=request.user,
        verb="consultations.list_viewed",
        details={
            "filters": {k: str(v) for k, v in form.cleaned_data.items() if v},
            "page": page,
            "shown": sorted({c.patient.pseudonym for c in shown}),
        },
        request=request,
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The queue (what is pressing) above the archive (everything the reader may see)."""
    user = request.user
    form = ArchiveForm(request.GET, user=user)
    context: dict = {"form": form, "can_request": bool(requester_institution_ids(user))}
    if not form.is_valid():
        context["bad_filter"] = True
        return render(request, "consultations/queue.html", context, status=400)
    showing = bool(request.GET.get("show"))
    browsing = form.is_filtered() or "page" in request.GET or "sort" in request.GET
    visible = consultations_for_user(user)
    if showing or not browsing:
        context.update(
            _queue_sections(
                request,
                visible.select_related("patient", "requesting_institution", "expert_institution"),
            )
        )
    if showing:
        _audit_list(request, form, context, [])
        return render(request, "consultations/queue.html", context)
    listed = archive(user, form.cleaned_data, visible)
    paginator = Paginator(listed.values_list("pk", flat=True), ARCHIVE_PAGE_SIZE)
    asked = request.GET.get("page") or "1"
    try:
        page = paginator.page(asked)
    except (InvalidPage, ValueError):
        # A stale bookmark or a hand-typed number: say so and show the nearest real page.
        page = paginator.page(paginator.num_pages if asked.isdigit() else 1)
        context["no_such_page"] = asked[:20]
    rows = rows_of(in_order(list(page.object_list), user), user)
    _audit_list(request, form, context, [r.consultation for r in rows], page=page.number)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {"page": page, "rows": rows, "query": query.urlencode(), "filtered": form.is_filtered()}
    )
    return render(request, "consultations/queue.html", context)


@_signed_in(lambda: reverse("consultations:new"))
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    own = requester_institution_ids(request.user)
    if not own:
        raise PermissionDenied
    partner_ids = set().union(*(telemedicine_partner_ids(i) for i in own))
    partners = Institution.objects.filter(pk__in=partner_ids).order_by("name")
    patients = patients_for_user(request.user).order_by("-id")
    template = request.GET.get("template") or request.POST.get("template") or ""
    patient_id = query_int(request.GET.get("patient"))
    initial = {"language": request.user.language or "en"}
    similar = []
    if patient_id is not None and (patient := patients.filter(pk=patient_id).first()):
        initial["patient"] = patient
        if request.method == "GET":
            # What the network advised for children like this one, before the question.
            similar = similar_cases.for_patient(request.user, patient, request=request)
        group = patient.diagnoses.values_list("iccc_main_group", flat=True).first()
        template = template or ICCC_TEMPLATE.get(group or "", SummaryTemplate.GENERAL)
    request_draft = None
    if request.method == "GET" and not patient_id:
        request_draft = drafts.draft_of(request.user, DraftKind.REQUEST)
        if request_draft is not None:
            initial.update(request_draft.data)
            template = template or request_draft.data.get("template", "")
    template = template if template in SummaryTemplate.values else SummaryTemplate.GENERAL
    initial["template"] = template
    # The discussion language defaults to one the chosen partner's experts read (the only
    # partner, or the one just picked: htmx asks again on change).
    spoken = partner_languages(partners, request.user)
    partner_id = query_int(
        request.GET.get("expert_institution")
        or request.POST.get("expert_institution")
        or str(initial.get("expert_institution") or "")  # a draft's
    )
    if partner_id is None and len(spoken) == 1:
        partner_id = next(iter(spoken))
    chosen_partner = spoken.get(partner_id) if partner_id is not None else None
    if chosen_partner is not None:
        initial["expert_institution"] = chosen_partner.institution
        if "language" not in (request_draft.data if request_draft else {}):
            initial["language"] = chosen_partner.default
    if request.method == "POST" and request.POST.get("switch"):
        # A change of template, not a send: the same page again with everything typed kept
        # and no errors yet (the person has not asked to send).
        kept = {k: request.POST.get(k) for k in RequestForm.base_fields if k != "files"}
        form = RequestForm(
            initial={**initial, **{k: v for k, v in kept.items() if v is not None}},
            patients=patients,
            partners=partners,
            template=template,
        )
        form.initial["template"] = template
    elif request.method == "POST":
        form = RequestForm(
            request.POST, request.FILES, patients=patients, partners=partners, template=template
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = actions.request_consultation(
                    actor=request.user,
                    patient=data["patient"],
                    expert_institution=data["expert_institution"],
                    question=data["question"],
                    urgency=data["urgency"],
                    specialty=data["specialty"],
                    language=data["language"],
                    template=data["template"],
                    summary={f: data[f] for f in actions.SUMMARY_FIELDS},
                    files=_uploads(data["files"]),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                drafts.discard(request.user, DraftKind.REQUEST)
                messages.success(request, _("Your consultation has been sent."))
                return redirect("consultations:detail", pk=consultation.pk)
    else:
        form = RequestForm(initial=initial, patients=patients, partners=partners, template=template)
    find = " ".join(request.GET.get("find", "").split())[:100]
    found = patient_chooser.search(request.user, find, request=request) if find else []
    name = "consultations/new.html"
    if request.htmx and request.POST.get("switch"):
        name += "#summary"
    elif request.htmx and "expert_institution" in request.GET:
        name += "#language"
    elif request.htmx and "find" in request.GET:
        name = "consultations/_patient_chooser.html#patient_results"
    return render(
        request,
        name,
        {
            "form": form,
            "has_partners": bool(partner_ids),
            "summary_fields": actions.SUMMARY_FIELDS,
            "request_draft": request_draft,
            "similar": similar,
            "find": find,
            # Why the language is what it is: for the partner chosen, else for each partner.
            "language_why": [chosen_partner]
            if chosen_partner
            else [p for p in spoken.values() if p.languages],
            "found": found[: patient_chooser.LIMIT],
            "found_more": len(found) > patient_chooser.LIMIT,
            # Chosen from "Ask a partner", a draft, or the form sent back; "find" is the
            # person asking to choose again.
            "chosen": None
            if "find" in request.GET
            else patient_chooser.chosen(request.user, query_int(str(form["patient"].value()))),
        },
    )


def _board_conclusions(thread: list) -> None:
    """A tumour board's conclusion, unless its author edited the text since, shows under
    labels in the reader's language (the stored text has the consultation's)."""
    from consilium.meetings.conclusion import conclusion_lines
    from consilium.meetings.models import AgendaItem

    board = [m.pk for m in thread if m.source == MessageSource.BOARD and m.edited_at is None]
    if not board:
        return
    items = {
        i.message_id: i
        for i in AgendaItem.objects.filter(message_id__in=board)
        .exclude(fields={})
        .select_related("event")
    }
    for m in thread:
        if m.pk in items:
            m.board_title, m.board_rows = conclusion_lines(items[m.pk])


def _detail_context(
    request: HttpRequest, consultation: Consultation, side: Side, **forms: object
) -> dict:
    thread = list(
        consultation.messages.select_related("author").prefetch_related("attachments", "revisions")
    )
    _board_conclusions(thread)
    profile = consultation.resource_profile
    items = {i.resource: i for i in profile.items.all()} if profile else {}
    resources = [
        (category, [(r, items.get(r.value)) for r in rs if r.value in items])
        for category, rs in grouped_catalogue()
    ]
    given = opinions.given_opinions(consultation)
    final = next((o.recommendation for o in given if not o.second), None)
    draft = consultation.recommendations.filter(
        author=request.user, status=RecommendationStatus.DRAFT
    ).first()
    my_assignment = (
        consultation.assignments.filter(expert=request.user, status__in=ACTIVE_ASSIGNMENT)
        .select_related("second_opinion")
        .first()
    )
    my_second = my_assignment.second_opinion if my_assignment else None
    # What this expert can still do: the first opinion's while the consultation is open and
    # unanswered; a second opinion's while it is asked for and the case is not closed.
    if my_second is not None:
        can_answer = my_second.is_open and consultation.status in actions.SECOND_OPINION_STATUSES
    else:
        can_answer = side == Side.EXPERT and consultation.is_open and final is None
    second_opinions = consultation.second_opinions.select_related(
        "expert_institution", "invited_by"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("expert"))
    )
    open_second = next((s for s in second_opinions if s.is_open), None)
    can_withdraw_second = open_second is not None and actions.may_ask_second_opinion(
        request.user, consultation
    )
    second_opinion_form = None
    if forms.get("second_opinion_form"):
        second_opinion_form = forms["second_opinion_form"]  # sent back with its errors
    elif (
        consultation.status in actions.SECOND_OPINION_STATUSES
        and open_second is None
        and actions.may_ask_second_opinion(request.user, consultation)
    ):
        partners, experts = opinions.second_opinion_choices(consultation)
        second_opinion_form = forms.get("second_opinion_form") or SecondOpinionForm(
            partners=partners, experts=experts
        )
    message_draft = drafts.draft_of(request.user, DraftKind.MESSAGE, consultation)
    recommendation_initial = (
        {f: getattr(draft, f) for f in actions.RECOMMENDATION_FIELDS} if draft else None
    )
    # What was typed since the last "Save draft" (autosaved, or kept past an expired session)
    # is newer than the saved draft recommendation.
    recommendation_draft = (
        drafts.draft_of(request.user, DraftKind.RECOMMENDATION, consultation)
        if can_answer
        else None
    )
    if recommendation_draft is not None:
        recommendation_initial = recommendation_draft.data
    assign_form = None
    triage_here = consultation.expert_institution_id in institution_ids_with_role(
        request.user, {Role.COORDINATOR, Role.ADMIN}
    )
    if side == Side.TRIAGE and consultation.is_open and triage_here:
        assign_form = forms.get("assign_form") or AssignForm()
        ids = [u.pk for u in candidates(consultation)]
        assign_form.fields["expert"].queryset = assign_form.fields[
            "expert"
        ].queryset.model.objects.filter(pk__in=ids)
    # The network's memory, for the expert deciding what to advise (docs/search.md).
    # Shown even when empty: an expert who saw no section could not tell "none" from
    # "not offered here".
    show_similar = side == Side.EXPERT and consultation.is_open
    similar = (
        similar_cases.for_patient(request.user, consultation.patient, request=request)
        if show_similar
        else []
    )
    return {
        "show_similar": show_similar,
        "consultation": consultation,
        "side": side,
        "similar": similar,
        "patient": consultation.patient,
        "diagnoses": diagnosis_lines(consultation.patient),
        "thread": thread,
        "loose_attachments": consultation.attachments.filter(message__isnull=True),
        "resources": [(c, rows) for c, rows in resources if rows],
        "profile": profile,
        "assignments": consultation.assignments.filter(second_opinion__isnull=True).select_related(
            "expert"
        ),
        "my_assignment": my_assignment,
        "my_second_opinion": my_second,
        "can_answer": can_answer,
        "final": final,
        "opinions": given,
        "report_ready": any(o.recommendation.report for o in given),
        "second_opinions": second_opinions,
        "can_withdraw_second": can_withdraw_second,
        "second_opinion_form": second_opinion_form,
        "message_form": forms.get("message_form")
        or MessageForm(initial=message_draft.data if message_draft else None),
        "message_draft": None if forms.get("message_form") else message_draft,
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "recommendation_form": forms.get("recommendation_form")
        or RecommendationForm(initial=recommendation_initial),
        "recommendation_draft": None if forms.get("recommendation_form") else recommendation_draft,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
        "withdraw_form": WithdrawForm(),
        "assign_form": assign_form,
        "later_events": _later_events(consultation) if side == Side.REQUESTER else [],
    }


def _later_events(consultation: Consultation) -> list:
    """What the registry recorded for the patient after the advice: the other half of the loop."""
    if consultation.recommended_at is None:
        return []
    since = consultation.recommended_at.date()
    return list(consultation.patient.events.filter(date__gte=since).order_by("date"))


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation, side = get_consultation_for_user(request.user, pk, request=request)
    activity.mark_read(user=request.user, consultation=consultation)
    return render(
        request, "consultations/detail.html", _detail_context(request, consultation, side)
    )


def _rerender(
    request: HttpRequest, consultation: Consultation, side: Side, **forms: object
) -> HttpResponse:
    return render(
        request,
        "consultations/detail.html",
        _detail_context(request, consultation, side, **forms),
        status=400,
    )


@_signed_in(lambda pk, action: reverse("consultations:detail", args=[pk]))
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every change made from the consultation page posts its own small form here."""
    consultation, side = get_consultation_for_user(request.user, pk, request=request, audit=False)
    user = request.user
    try:
        if action == "message":
            form = MessageForm(request.POST, request.FILES)
            if not form.is_valid():
                return _rerender(request, consultation, side, message_form=form)
            try:
                actions.post_message(
                    actor=user,
                    consultation=consultation,
                    body=form.cleaned_data["body"],
                    files=_uploads(form.cleaned_data["files"]),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                return _rerender(request, consultation, side, message_form=form)
            drafts.discard(user, DraftKind.MESSAGE, consultation)
        elif action == "accept":
            actions.accept(actor=user, consultation=consultation)
            messages.success(request, _("You have accepted this consultation. Thank you."))
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                return _rerender(request, consultation, side, decline_form=form)
            assignment = actions.decline(
                actor=user, consultation=consultation, reason=form.cleaned_data["reason"]
            )
            if assignment.second_opinion_id is not None:
                messages.info(request, _("You have declined; the colleague who asked is told."))
            else:
                messages.info(
                    request, _("You have declined; the consultation goes to another expert.")
                )
            return redirect("consultations:queue")
        elif action in ("draft", "finalise"):
            form = RecommendationForm(request.POST)
            if not form.is_valid():
                return _rerender(request, consultation, side, recommendation_form=form)
            try:
                actions.save_recommendation(
                    actor=user,
                    consultation=consultation,
                    fields=form.cleaned_data,
                    finalise=action == "finalise",
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                return _rerender(request, consultation, side, recommendation_form=form)
            drafts.discard(user, DraftKind.RECOMMENDATION, consultation)
            messages.success(
                request,
                _("The recommendation is final; the report is being sent.")
                if action == "finalise"
                else _("Draft saved."),
            )
        elif action == "follow-up":
            form = FollowUpForm(request.POST)
            if not form.is_valid():
                return _rerender(request, consultation, side, follow_up_form=form)
            try:
                actions.answer_follow_up(actor=user, consultation=consultation, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
                return _rerender(request, consultation, side, follow_up_form=form)
            messages.success(request, _("Thank you: the loop is closed."))
        elif action == "second-opinion":
            if not actions.may_ask_second_opinion(user, consultation):
                raise PermissionDenied
            partners, experts = opinions.second_opinion_choices(consultation)
            form = SecondOpinionForm(request.POST, partners=partners, experts=experts)
            if not form.is_valid():
                return _rerender(request, consultation, side, second_opinion_form=form)
            data = form.cleaned_data
            try:
                actions.ask_second_opinion(
                    actor=user,
                    consultation=consultation,
                    expert_institution=data["expert_institution"],
                    expert=User.objects.filter(pk=data["expert"]).first()
                    if data["expert"]
                    else None,
                    question=data["question"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                return _rerender(request, consultation, side, second_opinion_form=form)
            messages.success(request, _("The second opinion has been asked for."))
        elif action == "withdraw-second-opinion":
            actions.withdraw_second_opinion(
                actor=user, consultation=consultation, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The second opinion is withdrawn; the expert is told."))
        elif action == "withdraw":
            actions.withdraw(
                actor=user, consultation=consultation, reason=request.POST.get("reason", "")
            )
        elif action == "assign":
            form = AssignForm(request.POST)
            form.fields["expert"].queryset = form.fields["expert"].queryset.model.objects.filter(
                pk__in=[u.pk for u in candidates(consultation)]
            )
            if not form.is_valid():
                return _rerender(request, consultation, side, assign_form=form)
            actions.assign_expert(
                actor=user, consultation=consultation, expert=form.cleaned_data["expert"]
            )
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("consultations:detail", pk=consultation.pk)


@_signed_in(lambda pk, message_pk: reverse("consultations:detail", args=[pk]))
@require_POST
def edit_message(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    consultation, _side = get_consultation_for_user(request.user, pk, request=request, audit=False)
    message = Message.objects.filter(pk=message_pk, consultation=consultation).first()
    if message is None:
        raise Http404
    body = request.POST.get("body", "")
    try:
        # No form here, so the check a form's CharField makes: PostgreSQL cannot store a NUL.
        ProhibitNullCharactersValidator()(body)
        actions.edit_message(actor=request.user, message=message, body=body)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("consultations:detail", pk=pk)


@login_required
@require_GET
def attachment(
    request: HttpRequest, pk: int, attachment_pk: int, preview: bool = False
) -> FileResponse:
    consultation, _side = get_consultation_for_user(request.user, pk, request=request, audit=False)
    item = consultation.attachments.filter(pk=attachment_pk).first()
    if item is None or (preview and not item.preview):
        raise Http404
    audit_download(
        request.user,
        consultation,
        file_name=item.name,
        kind="preview" if preview else "attachment",
        request=request,
    )
    if preview:
        return FileResponse(item.preview.open("rb"), content_type="image/png")
    content_types = {"dicom": "application/dicom", "pdf": "application/pdf"}
    content_type = content_types.get(item.kind, "application/octet-stream")
    if item.kind == "photo":
        content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[
            item.name.rsplit(".", 1)[1]
        ]
    inline = item.kind in ("photo", "pdf")
    return FileResponse(
        item.file.open("rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=item.name,
    )


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> FileResponse:
    consultation, _side = get_consultation_for_user(request.user, pk, request=request, audit=False)
    # The latest report rendered lists every opinion given until then.
    final = (
        consultation.recommendations.filter(status=RecommendationStatus.FINAL)
        .exclude(report="")
        .order_by("-finalised_at")
        .first()
    )
    if final is None or not final.report:
        raise Http404
    name = f"{consultation.patient.pseudonym}-recommendation.pdf"
    audit_download(request.user, consultation, file_name=name, kind="report", request=request)
    # In the reader's language and zone: the expert reads hers, the requester his.
    stored = report_for(final, request.user)
    return FileResponse(
        default_storage.open(stored, "rb"), content_type="application/pdf", filename=name
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm_held(request: HttpRequest, token: str) -> HttpResponse:
    """The owner confirms an action their email asked for that mail could not authenticate.
    GET only shows it (mail scanners open links); the signed-in owner's POST carries it out,
    once."""
    from consilium.consultations.mail import inbound
    from consilium.consultations.models import InboundEmail, InboundStatus

    found = inbound.read_held_link_token(token)
    if found is None or found[1] != request.user.pk:
        raise Http404
    held = InboundEmail.objects.filter(pk=found[0], status=InboundStatus.HELD).first()
    if held is None or held.consultation_id is None:
        raise Http404
    consultation, _side = get_consultation_for_user(request.user, held.consultation_id)
    if request.method == "POST":
        done = inbound.process(held.pk, release=True)
        if done.status == InboundStatus.ACCEPTED:
            messages.success(request, _("Done: the action you sent by email has been carried out."))
        else:
            messages.error(request, _("It could not be carried out: %s") % done.reason)
        return redirect("consultations:detail", pk=consultation.pk)
    return render(
        request,
        "consultations/confirm_held.html",
        {
            "consultation": consultation,
            "held": held,
            "action": inbound.held_action_words(held),
        },
    )


@login_required
@require_GET
def turnaround(request: HttpRequest) -> HttpResponse:
    """Aggregates over the consultations of the reader's institutions, either side."""
    ids = set(institution_ids_with_role(request.user, set(Role.values)))
    if not ids:
        raise PermissionDenied
    scope = Consultation.objects.filter(
        Q(requesting_institution_id__in=ids) | Q(expert_institution_id__in=ids)
    )
    scope = scope.select_related("partnership", "follow_up").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("expert"))
    )
    return render(request, "consultations/turnaround.html", turnaround_tables(scope))
