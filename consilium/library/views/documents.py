from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import User
from consilium.lib.forms import add_action_errors
from consilium.library.access import (
    PUBLISHER_ROLES,
    can_edit_document,
    can_publish_document,
    documents_for_user,
    editor_institution_ids,
    get_document_for_user,
    get_version_for_user,
    member_institution_ids,
    pending_for,
    reviewer_candidates,
    versions_for_user,
)
from consilium.library.actions import adoption as adoption_actions
from consilium.library.actions import compliance as compliance_actions
from consilium.library.actions import documents as actions
from consilium.library.forms import (
    AdoptionForm,
    ChecklistForm,
    CommentForm,
    DocumentForm,
    DraftForm,
    FileForm,
    NewVersionForm,
    ReviewerForm,
    ReviewForm,
)
from consilium.library.models import (
    Adoption,
    Document,
    DocumentKind,
    DocumentVersion,
    VersionStatus,
)
from consilium.network.models import Institution


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    documents = documents_for_user(request.user).select_related("owner")
    if kind in DocumentKind.values:
        documents = documents.filter(kind=kind)
    documents = documents.prefetch_related(
        Prefetch(
            "versions",
            queryset=versions_for_user(request.user).order_by("-number"),
            to_attr="visible_versions",
        )
    )
    return render(
        request,
        "library/home.html",
        {
            "documents": documents,
            "kinds": DocumentKind.choices,
            "kind": kind,
            "pending": pending_for(request.user),
            "can_create": bool(editor_institution_ids(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    owners = Institution.objects.filter(pk__in=editor_institution_ids(request.user))
    if not owners:
        raise PermissionDenied
    if request.method == "POST":
        form = DocumentForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                version = actions.create_document(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The document has been created as a draft."))
                return redirect("library:version", pk=version.pk)
    else:
        form = DocumentForm(owners=owners, initial={"owner": owners.first()})
    return render(request, "library/document_new.html", {"form": form})


def _adoptable_institutions(user: User) -> object:
    return Institution.objects.filter(pk__in=institution_ids_with_role(user, PUBLISHER_ROLES))


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk)
    return _render_document(request, document)


def _render_document(request: HttpRequest, document: Document, **forms: object) -> HttpResponse:
    versions = (
        versions_for_user(request.user)
        .filter(document=document)
        .annotate(treatment_count=Count("treatments"))
        .prefetch_related("checklists")
        .order_by("-number")
    )
    approved = next((v for v in versions if v.status == VersionStatus.APPROVED), None)
    members = member_institution_ids(request.user)
    adoptions = (
        Adoption.objects.filter(document=document)
        .filter(Q(institution_id__in=members) | Q(document__owner_id__in=members))
        .select_related("institution", "version")
        .annotate(acknowledged=Count("acknowledgements"))
        .order_by("institution__name", "-in_force_from")
    )
    adopt_at = _adoptable_institutions(request.user)
    context = {
        "document": document,
        "versions": versions,
        "approved": approved,
        "adoptions": adoptions,
        "checklists": document.kind == DocumentKind.SOP
        and [c for v in versions for c in v.checklists.all()],
        "can_edit": can_edit_document(request.user, document),
        "new_version_form": forms.get("new_version_form") or NewVersionForm(),
        "adoption_form": (forms.get("adoption_form") or _adoption_form(adopt_at))
        if approved and adopt_at
        else None,
    }
    return render(request, "library/document.html", context, status=400 if forms else 200)


def _adoption_form(institutions: object, data: object = None) -> AdoptionForm:
    return AdoptionForm(
        data,
        institutions=institutions,
        initial={"in_force_from": timezone.localdate(), "institution": institutions.first()},
    )


@login_required
@require_POST
def document_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    document = get_document_for_user(request.user, pk)
    if action == "new-version":
        form = NewVersionForm(request.POST)
        if form.is_valid():
            try:
                version = actions.new_version(
                    actor=request.user,
                    document=document,
                    change_summary=form.cleaned_data["change_summary"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("A new draft version has been started."))
                return redirect("library:version", pk=version.pk)
        return _render_document(request, document, new_version_form=form)
    if action == "adopt":
        form = _adoption_form(_adoptable_institutions(request.user), request.POST)
        approved = document.versions.filter(status=VersionStatus.APPROVED).first()
        if form.is_valid() and approved is not None:
            try:
                adoption = adoption_actions.adopt_version(
                    actor=request.user, version=approved, **form.cleaned_data
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Version %(number)s is in force at %(institution)s.")
                    % {"number": approved.number, "institution": adoption.institution.name},
                )
                return redirect("library:adoption", pk=adoption.pk)
        return _render_document(request, document, adoption_form=form)
    raise Http404


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    return _render_version(request, version)


def _render_version(
    request: HttpRequest, version: DocumentVersion, **forms: object
) -> HttpResponse:
    document = version.document
    user = request.user
    can_edit = can_edit_document(user, document)
    my_review = version.reviews.filter(reviewer=user).first()
    is_draft = version.status == VersionStatus.DRAFT
    is_open = version.status in (VersionStatus.DRAFT, VersionStatus.UNDER_REVIEW)
    people = reviewer_candidates(document)

    shown = {
        "draft_form": can_edit and is_draft,
        "file_form": can_edit and is_draft,
        "reviewer_form": can_edit and is_open,
        "review_form": my_review is not None and version.status == VersionStatus.UNDER_REVIEW,
        "comment_form": is_open
        and (my_review is not None or document.owner_id in member_institution_ids(user)),
        "checklist_form": can_edit
        and document.kind == DocumentKind.SOP
        and version.status != VersionStatus.RETIRED,
    }
    factories = {
        "draft_form": lambda: DraftForm(
            people=people,
            initial={
                "change_summary": version.change_summary,
                "language": version.language,
                "authors": list(version.authors.all()),
            },
        ),
        "file_form": lambda: FileForm(initial={"language": version.language}),
        "reviewer_form": lambda: ReviewerForm(candidates=people),
        "review_form": ReviewForm,
        "comment_form": CommentForm,
        "checklist_form": ChecklistForm,
    }
    context = {
        "document": document,
        "version": version,
        "files": version.files.all(),
        "authors": version.authors.all(),
        "reviews": version.reviews.select_related("reviewer", "institution"),
        "comments": version.comments.select_related("author"),
        "checklists": version.checklists.prefetch_related("items"),
        "can_edit": can_edit,
        "can_publish": can_publish_document(user, document),
        "is_draft": is_draft,
        "is_open": is_open,
        "my_review": my_review,
    }
    for name, factory in factories.items():
        # A refused form is shown again with its reasons, even where it is no longer offered.
        context[name] = forms.get(name) or (shown[name] and factory())
    return render(request, "library/version.html", context, status=400 if forms else 200)


def _simple(request: HttpRequest, version: DocumentVersion, action: str) -> None:
    """The actions that take no input but the button."""
    run = {
        "submit": (actions.submit_for_review, _("The version has been sent for review.")),
        "return": (actions.return_to_draft, _("The version is a draft again.")),
        "approve": (actions.approve_version, _("The version has been approved.")),
        "retire": (actions.retire_version, _("The version has been retired.")),
    }
    function, message = run[action]
    try:
        function(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)


@login_required
@require_POST
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    user = request.user
    if action in ("submit", "return", "approve", "retire"):
        _simple(request, version, action)
        return redirect("library:version", pk=version.pk)
    forms_by_action = {
        "edit": (
            "draft_form",
            lambda: DraftForm(request.POST, people=reviewer_candidates(version.document)),
        ),
        "file": ("file_form", lambda: FileForm(request.POST, request.FILES)),
        "reviewer": (
            "reviewer_form",
            lambda: ReviewerForm(request.POST, candidates=reviewer_candidates(version.document)),
        ),
        "review": ("review_form", lambda: ReviewForm(request.POST)),
        "comment": ("comment_form", lambda: CommentForm(request.POST)),
        "checklist": ("checklist_form", lambda: ChecklistForm(request.POST)),
    }
    if action not in forms_by_action:
        raise Http404
    name, factory = forms_by_action[action]
    form = factory()
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "edit":
                actions.update_draft(actor=user, version=version, **data)
                message = _("The draft has been saved.")
            elif action == "file":
                actions.add_file(
                    actor=user, version=version, language=data["language"], upload=data["file"]
                )
                message = _("The file has been attached.")
            elif action == "reviewer":
                actions.invite_reviewer(actor=user, version=version, reviewer=data["reviewer"])
                message = _("The reviewer has been invited.")
            elif action == "review":
                actions.decide_review(actor=user, version=version, **data)
                message = _("Your review has been recorded.")
            elif action == "comment":
                actions.add_comment(actor=user, version=version, body=data["body"])
                message = _("Your comment has been added.")
            else:
                checklist = compliance_actions.create_checklist(
                    actor=user,
                    version=version,
                    title=data["title"],
                    items=data["items"].splitlines(),
                )
                messages.success(request, _("The checklist has been created."))
                return redirect("library:checklist", pk=checklist.pk)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("library:version", pk=version.pk)
    return _render_version(request, version, **{name: form})


@login_required
@require_GET
def version_file(request: HttpRequest, pk: int, language: str) -> FileResponse:
    version = get_version_for_user(request.user, pk)
    row = version.files.filter(language=language).first()
    if row is None:
        raise Http404
    return FileResponse(
        row.file.open("rb"),
        content_type="application/pdf",
        filename=f"{version.code}-{language}.pdf",
    )
