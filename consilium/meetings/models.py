import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import Profession
from consilium.lib.timezones import validate_time_zone
from consilium.meetings.choices import (
    AgendaStatus,
    AttendanceMode,
    CheckInMethod,
    EventKind,
    EventMode,
    RegistrationStatus,
    SessionKind,
    Visibility,
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Series(models.Model):
    """A recurring meeting such as a fortnightly tumour board. Its meetings are generated
    as Events (see series.py) so each can have its own agenda, attendance and changes."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=24, choices=EventKind.choices, default=EventKind.TUMOUR_BOARD
    )
    host = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("host")
    )
    co_organisers = models.ManyToManyField(
        "network.Institution", blank=True, related_name="+", verbose_name=_("co-organisers")
    )
    interval_weeks = models.PositiveSmallIntegerField(_("every how many weeks"), default=2)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 is Monday, 6 is Sunday.")
    )
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration in minutes"), default=60)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    starts_on = models.DateField(_("first meeting on or after"))
    ends_on = models.DateField(_("last meeting on or before"), null=True, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    agenda_hours_before = models.PositiveSmallIntegerField(
        _("send the agenda how many hours before"), default=24
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PARTNERS
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("series")
        verbose_name_plural = _("series")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_0_6"),
            models.CheckConstraint(condition=Q(interval_weeks__gte=1), name="series_interval_1"),
        ]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("The local programme is written in this zone."),
    )
    host = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="hosted_events",
        verbose_name=_("host"),
    )
    co_organisers = models.ManyToManyField(
        "network.Institution",
        blank=True,
        related_name="co_organised_events",
        verbose_name=_("co-organisers"),
    )
    supporting_organisations = models.JSONField(
        _("supporting organisations"), default=list, blank=True
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=EventMode.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.NETWORK
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_(
            "Places in the room; online places are not limited, except at an online-only "
            "event. Empty means no limit."
        ),
    )
    waiting_list = models.BooleanField(_("keep a waiting list when full"), default=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: members may register until the event ends."),
    )
    teaching_hours = models.DecimalField(
        _("teaching hours"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "For an event without a programme: the hours taught, breaks left out, shared "
            "equally between its days. Empty: certificates name the days attended, not hours."
        ),
    )
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # The local date of a series meeting: what makes generating a series idempotent.
    occurrence = models.DateField(null=True, blank=True, editable=False)
    # Bumped on every change, so calendar programs replace their copy (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # A board's agenda goes to its participants this long before; sent again on change.
    agenda_hours_before = models.PositiveSmallIntegerField(
        _("send the agenda how many hours before"), default=24
    )
    agenda_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    agenda_sent_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When an organiser last asked for the certificates to be mailed; the progress counts
    # registrations whose certificate_mailed_at is set.
    certificates_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The sheet of every badge is made by a worker (consilium.meetings.badges.make_badges):
    # asked for at badges_requested_at, finished (or failed) later. Pending while neither
    # finish is later than the request. The file (default storage) holds badges_count
    # badges; badges_digest fingerprints the registrations it was made from, so the page
    # can tell when a registration made or cancelled since leaves it out of date.
    badges_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    badges_made_at = models.DateTimeField(null=True, blank=True, editable=False)
    badges_failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    badges_file = models.CharField(max_length=255, blank=True, default="", editable=False)
    badges_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    badges_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after"
            ),
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=Q(series__isnull=False),
                name="one_event_per_series_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_dates(self) -> tuple[datetime.date, datetime.date]:
        return (
            self.starts_at.astimezone(self.zone).date(),
            self.ends_at.astimezone(self.zone).date(),
        )

    def days(self) -> list[datetime.date]:
        """The days of attendance. A meeting shorter than a day that runs past midnight
        (a board at 23:30 in Paris) is one day, the day it starts: otherwise joining it
        would count half its hours."""
        first, last = self.local_dates()
        if self.ends_at - self.starts_at < datetime.timedelta(days=1):
            return [first]
        return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]

    def organiser_ids(self) -> set[int]:
        return {self.host_id, *(i.pk for i in self.co_organisers.all())}


class Section(models.Model):
    """A track of the programme, e.g. "Neuro-oncology" or "Nursing"."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["event", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["event", "title"], name="one_section_title_per_event")
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("section or track"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SessionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    room = models.CharField(_("room"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    chairs = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="chaired_sessions"
    )
    guest_chairs = models.JSONField(_("chairs from outside the network"), default=list, blank=True)

    class Meta:
        ordering = ["starts_at", "room", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Presentation(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="presentations")
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    speakers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="presentations"
    )
    guest_speakers = models.JSONField(_("speakers from outside the network"), default=list)
    diagnosis_groups = models.JSONField(_("diagnosis groups"), default=list, blank=True)
    disciplines = models.JSONField(_("disciplines"), default=list, blank=True)
    slides = models.FileField(_("slides (PDF)"), upload_to="slides/%Y/", blank=True)

    class Meta:
        ordering = ["session", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    """A participant, who is a user or a guest. Who they were (profession, institution,
    country) is copied at registration, so reports keep telling the truth of the day."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    institution_name = models.CharField(_("institution"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    mode = models.CharField(_("attends"), max_length=16, choices=AttendanceMode.choices)
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    join_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_joined_at = models.DateTimeField(_("first joined online at"), null=True, blank=True)
    joins = models.PositiveIntegerField(_("online joins"), default=0)
    hours_attended = models.DecimalField(
        _("hours attended"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Name, institution and email folded (lower case, no accents) for the desk's search:
    # "huong" finds "Hương" and one LIKE on one column replaces three.
    search_text = models.CharField(max_length=500, blank=True, default="", editable=False)
    certificate_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A certificate the organisers withdrew (attendance recorded in error, a badge lent to
    # someone else): its verification page says so, and none is issued again.
    certificate_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    certificate_revoked_reason = models.CharField(
        max_length=300, blank=True, default="", editable=False
    )
    # A board's agenda: the event sequence last queued for this participant (claimed by a
    # conditional UPDATE, so each version goes to each participant once, late registrants
    # included), and the sequence and time of the copy actually sent.
    agenda_queued_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    agenda_mailed_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    agenda_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "status", "mode"]),
            models.Index(fields=["event", "search_text"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(user__isnull=False) & ~Q(status=RegistrationStatus.CANCELLED),
                name="one_live_registration_per_user",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="registration_country_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} · {self.event}"

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None or self.first_joined_at is not None


class DayAttendance(models.Model):
    """One day of a multi-day event that a participant attended: checked in at the desk,
    by their badge, or online. Certificates list these days and may require a share."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    method = models.CharField(_("how"), max_length=12, choices=CheckInMethod.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["registration", "day"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "day"], name="one_attendance_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.registration} on {self.day}"


class EventAgreement(models.Model):
    """A partnership (MoU) signed at an event, for the event's report."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agreements")
    partnership = models.ForeignKey(
        "network.Partnership", on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "partnership__title"]
        constraints = [
            models.UniqueConstraint(fields=["event", "partnership"], name="one_agreement_link")
        ]

    def __str__(self) -> str:
        return f"{self.partnership} at {self.event}"


class CalendarFeed(models.Model):
    """The secret address of a person's calendar feed; calendar programs cannot sign in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar of {self.user}"


class AgendaItem(models.Model):
    """A consultation discussed at a board: proposed by the treating team, ordered and
    timed by the coordinator, concluded during the meeting. The conclusion goes back into
    the consultation as its recommendation, so written advice and board advice are one
    record."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda")
    status = models.CharField(
        _("status"), max_length=12, choices=AgendaStatus.choices, default=AgendaStatus.ACCEPTED
    )
    consultation = models.ForeignKey(
        "consultations.Consultation", on_delete=models.PROTECT, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    slot_starts_at = models.DateTimeField(_("slot starts"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presenter"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    # The consensus template as filled in ({"diagnosis": ..., "stage_risk": ..., "plan": ...}),
    # so the thread can show it under labels in each reader's language.
    fields = models.JSONField(default=dict, blank=True, editable=False)
    next_step = models.CharField(_("who acts next"), max_length=300, blank=True)
    message = models.ForeignKey(
        "consultations.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        "consultations.Recommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "consultation"], name="one_agenda_item_per_consultation"
            )
        ]

    def __str__(self) -> str:
        return f"consultation {self.consultation_id} at {self.event}"


class Announcement(models.Model):
    """A message from the organisers to the registrants of an event, or to those of one
    session, in the languages the organisers wrote it in. Each registrant gets the version
    in their language, else the event's; its deliveries are the progress."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="announcements")
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # [{"language": "vi", "subject": "...", "body": "..."}, ...], the event's language first.
    versions = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.versions[0]["subject"] if self.versions else f"announcement {self.pk}"


class AnnouncementDelivery(models.Model):
    """One registrant's copy: written when the message is queued, stamped when it is sent,
    so a retried task sends nothing twice and the organiser sees how many have gone."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="deliveries"
    )
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "registration"], name="one_delivery_per_registrant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.announcement} to {self.registration_id}"
