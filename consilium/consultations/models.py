import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


class ConsultationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for an expert")
    ACCEPTED = "accepted", _("In discussion")
    RECOMMENDED = "recommended", _("Recommendation given")
    CLOSED = "closed", _("Closed, outcome known")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (ConsultationStatus.SUBMITTED, ConsultationStatus.ACCEPTED)


class SummaryTemplate(models.TextChoices):
    """Templates of the clinical summary per diagnosis group: what experts ask for first."""

    GENERAL = "general", _("General")
    LEUKAEMIA = "leukaemia", _("Leukaemia")
    LYMPHOMA = "lymphoma", _("Lymphoma")
    CNS = "cns", _("CNS tumour")
    NEUROBLASTOMA = "neuroblastoma", _("Neuroblastoma")
    RETINOBLASTOMA = "retinoblastoma", _("Retinoblastoma")
    RENAL = "renal", _("Renal tumour")
    SARCOMA = "sarcoma", _("Bone or soft-tissue sarcoma")


class ActivityKind(models.TextChoices):
    """What last happened in a consultation: the words of an unread mark."""

    REQUEST = "request", _("asked")
    ACCEPTED = "accepted", _("accepted")
    MESSAGE = "message", _("wrote")
    RECOMMENDATION = "recommendation", _("answered")
    FOLLOW_UP = "follow_up", _("said whether the advice was followed")
    WITHDRAWN = "withdrawn", _("withdrew the request")
    SECOND_OPINION = "second_opinion", _("asked for a second opinion")
    SECOND_OPINION_WITHDRAWN = "second_withdrawn", _("withdrew the second opinion request")


class ConsultationSettings(models.Model):
    """Per-partnership clocks; absent, the defaults below apply."""

    partnership = models.OneToOneField(
        "network.Partnership", on_delete=models.CASCADE, related_name="consultation_settings"
    )
    urgent_reply_hours = models.PositiveSmallIntegerField(
        _("first reply, urgent (hours)"), default=24
    )
    routine_reply_hours = models.PositiveSmallIntegerField(
        _("first reply, routine (hours)"), default=72
    )
    follow_up_weeks = models.PositiveSmallIntegerField(
        _("ask about the outcome after (weeks)"), default=8
    )

    def __str__(self) -> str:
        return f"consultation settings of {self.partnership}"


class Consultation(models.Model):
    requesting_institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="consultations_requested"
    )
    expert_institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="consultations_received"
    )
    partnership = models.ForeignKey(
        "network.Partnership", on_delete=models.PROTECT, related_name="consultations"
    )
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="consultations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_requested"
    )
    question = models.TextField(_("question"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    specialty = models.CharField(
        _("specialty needed"),
        max_length=100,
        blank=True,
        help_text=_("e.g. neuroblastoma, radiotherapy, neurosurgery"),
    )
    language = models.CharField(_("language of the discussion"), max_length=8, default="en")
    template = models.CharField(
        _("summary template"),
        max_length=16,
        choices=SummaryTemplate.choices,
        default=SummaryTemplate.GENERAL,
    )
    history = models.TextField(_("history"), blank=True)
    examination = models.TextField(_("examination"), blank=True)
    imaging = models.TextField(_("imaging"), blank=True)
    pathology = models.TextField(_("pathology"), blank=True)
    laboratory = models.TextField(_("laboratory"), blank=True)
    treatment_so_far = models.TextField(_("treatment so far"), blank=True)
    resource_profile = models.ForeignKey(
        "network.ResourceProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The requesting institution's resources when the request was sent."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.SUBMITTED,
        db_index=True,
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    first_reply_due = models.DateTimeField(_("first reply due"))
    first_reply_at = models.DateTimeField(_("first expert reply"), null=True, blank=True)
    recommended_at = models.DateTimeField(_("recommendation given"), null=True, blank=True)
    follow_up_due_on = models.DateField(_("outcome asked on"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    follow_up_asked_at = models.DateTimeField(null=True, blank=True)
    # Kept by the actions (consultations/activity.py) so the archive sorts by it and the
    # unread marks compare against it without reading the thread of every row.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    last_activity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_kind = models.CharField(
        max_length=16, choices=ActivityKind.choices, default=ActivityKind.REQUEST
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requesting_institution", "-created_at"]),
            models.Index(fields=["expert_institution", "status"]),
            models.Index(fields=["requesting_institution", "-last_activity_at"]),
            models.Index(fields=["expert_institution", "-last_activity_at"]),
            # The requesting team's queue counts its open cases and finds the recommendations
            # it was asked to follow up: with the status in the index neither reads the rows
            # (a national hospital's 6,274 consultations: 9 ms and 7 ms of its queue page).
            models.Index(
                fields=["requesting_institution", "status", "follow_up_asked_at"],
                name="consultation_ours_status",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.patient}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.first_reply_at is None and self.is_open and self.first_reply_due < now


class AssignmentStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_ASSIGNMENT = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


class SecondOpinionStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    GIVEN = "given", _("Opinion given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_SECOND_OPINION = (SecondOpinionStatus.INVITED, SecondOpinionStatus.ACCEPTED)
# While a second opinion is asked for or has been given, its centre sees the case.
SEEN_SECOND_OPINION = (*OPEN_SECOND_OPINION, SecondOpinionStatus.GIVEN)


class SecondOpinion(models.Model):
    """Another expert, of the same partner centre or of another partner of the requesting
    institution, asked into the same consultation: with its own assignment (Assignment with
    this second_opinion), its own clock and its own recommendation."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="second_opinions"
    )
    partnership = models.ForeignKey(
        "network.Partnership", on_delete=models.PROTECT, related_name="second_opinions"
    )
    expert_institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="second_opinions"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question to the second expert"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SecondOpinionStatus.choices,
        default=SecondOpinionStatus.INVITED,
    )
    created_at = models.DateTimeField(default=timezone.now)
    reply_due = models.DateTimeField(_("second opinion due"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    # When whoever asked was told the reply is overdue (once).
    overdue_told_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(_("why it was withdrawn"), max_length=300, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation"],
                condition=Q(status__in=["invited", "accepted"]),
                name="one_open_second_opinion",
            )
        ]

    def __str__(self) -> str:
        return f"second opinion on {self.consultation_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SECOND_OPINION

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.is_open and self.reply_due < (now or timezone.now())


class Assignment(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="assignments"
    )
    # Set for the expert of a second opinion; empty for the first opinion's experts.
    second_opinion = models.ForeignKey(
        SecondOpinion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OFFERED
    )
    is_backup = models.BooleanField(default=False)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "expert"],
                condition=Q(status__in=["offered", "accepted"]),
                name="one_active_assignment_per_expert",
            )
        ]
        indexes = [
            # Every page an expert opens asks "which consultations am I on, and how": with
            # this the access rule's subqueries read the index alone, not each assignment
            # row (archive of an expert on 4,814 cases: p95 103 → 83 ms, docs/benchmarks.md).
            models.Index(
                fields=["expert", "status", "second_opinion", "consultation"],
                name="assignment_expert_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} on {self.consultation}"


class MessageSource(models.TextChoices):
    WEB = "web", _("web")
    EMAIL = "email", _("email")
    BOARD = "board", _("tumour board")
    SYSTEM = "system", _("Consilium")


class Message(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="messages"
    )
    # Indexed with the consultation below, not alone.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    body = models.TextField(_("message"))
    # False for a message by email whose sender could not be authenticated (shown marked).
    sender_verified = models.BooleanField(_("sender verified"), default=True)
    source = models.CharField(
        max_length=8, choices=MessageSource.choices, default=MessageSource.WEB
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The Message-ID of the email it came from: the same email twice is stored once.
    email_message_id = models.CharField(max_length=255, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # "Answered by me" asks which consultations an expert wrote in: with the
            # consultation in the index that is read from the index alone, not from the
            # expert's 25,000 messages (PostgreSQL, national data set: 10 ms of a 31 ms list).
            models.Index(fields=["author", "consultation"], name="message_author_consultation")
        ]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.consultation_id}"


class MessageRevision(models.Model):
    """An edit keeps what was there before."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at"]

    def __str__(self) -> str:
        return f"revision of {self.message_id}"


class AttachmentKind(models.TextChoices):
    DICOM = "dicom", _("DICOM image")
    PHOTO = "photo", _("Photo")
    PDF = "pdf", _("PDF")
    DOCUMENT = "document", _("Document")


class Attachment(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    # A neutral name: file names often carry the patient's name.
    name = models.CharField(max_length=100)
    file = models.FileField(upload_to="consultations/%Y/%m/")
    preview = models.FileField(upload_to="consultations/previews/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    deidentified = models.BooleanField(default=False)
    needs_review = models.BooleanField(
        default=False, help_text=_("Kept as sent: the sender must check it for identifiers.")
    )
    changes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Recommendation(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="recommendations"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    diagnostic_opinion = models.TextField(_("diagnostic opinion"), blank=True)
    stage_risk_opinion = models.TextField(_("stage and risk opinion"), blank=True)
    recommended_treatment = models.TextField(_("recommended treatment"), blank=True)
    further_investigations = models.TextField(_("further investigations"), blank=True)
    local_feasibility = models.TextField(_("what is feasible with the local resources"), blank=True)
    status = models.CharField(
        max_length=8, choices=RecommendationStatus.choices, default=RecommendationStatus.DRAFT
    )
    source = models.CharField(
        max_length=8, choices=MessageSource.choices, default=MessageSource.WEB
    )
    created_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)
    report = models.FileField(upload_to="consultations/reports/%Y/", blank=True)
    # Set for the recommendation of a second opinion: one final per opinion.
    second_opinion = models.ForeignKey(
        SecondOpinion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recommendations",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation"],
                condition=Q(status="final", second_opinion__isnull=True),
                name="one_final_recommendation",
            ),
            models.UniqueConstraint(
                fields=["second_opinion"],
                condition=Q(status="final", second_opinion__isnull=False),
                name="one_final_second_opinion",
            ),
        ]

    def __str__(self) -> str:
        return f"recommendation on {self.consultation_id}"


class Adherence(models.TextChoices):
    FULLY = "fully", _("Fully followed")
    PARTLY = "partly", _("Partly followed")
    NOT = "not", _("Not followed")


class NonAdherenceReason(models.TextChoices):
    DRUG = "drug_unavailable", _("Drug not available")
    EQUIPMENT = "equipment", _("Equipment or service not available")
    COST = "cost", _("Cost")
    FAMILY = "family_decision", _("Family decision")
    CLINICAL_CHANGE = "clinical_change", _("The clinical situation changed")
    DISAGREED = "disagreed", _("The local team disagreed")
    OTHER = "other", _("Other")


class FollowUpAnswer(models.Model):
    """The closed loop: was the advice followed, and if not, why."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="follow_up"
    )
    adherence = models.CharField(_("was it followed?"), max_length=8, choices=Adherence.choices)
    reasons = models.JSONField(_("why not"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"follow-up of {self.consultation_id}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Added to the thread")
    BOUNCED = "bounced", _("Refused, sender told why")
    IGNORED = "ignored", _("Automatic reply, ignored")
    # A state change (accept, decline, recommend) from a sender mail could not authenticate,
    # waiting for its owner to confirm it.
    HELD = "held", _("Held until its owner confirms")


class InboundEmail(models.Model):
    """Every message the gateway accepted, kept raw before anything else happens to it."""

    message_id = models.CharField(max_length=255, unique=True)
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list)
    raw = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED, db_index=True
    )
    reason = models.CharField(max_length=300, blank=True)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.message_id


class ReadMark(models.Model):
    """Up to when a person has read a consultation: what came after is new to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="read_marks"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "consultation"], name="one_read_mark")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.consultation_id} at {self.read_at}"


class DraftKind(models.TextChoices):
    REQUEST = "request", _("Request")
    MESSAGE = "message", _("Message")
    RECOMMENDATION = "recommendation", _("Recommendation")


class Draft(models.Model):
    """Text a person is typing and has not sent, kept so a closed tab or a dropped
    connection loses nothing; one per person, kind and consultation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=DraftKind.choices)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "consultation"])]

    def __str__(self) -> str:
        return f"{self.kind} draft of {self.user_id}"


class KeptPost(models.Model):
    """What a person sent after their session had expired: kept under a one-time key so that,
    signed in again, they find it back in the form, ready to send (never sent for them).
    Only the key's hash is stored: the key itself travels once, in the sign-in link."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=DraftKind.choices)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    had_files = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"kept {self.kind} of {self.user_id}"
