"""The event report: who came (by country, profession, institution, mode), what the
programme held, and what was signed there; as a page, a CSV and a PDF."""

import io
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from consilium.accounts.models import Profession
from consilium.lib import csv_cells
from consilium.meetings.choices import AttendanceMode, RegistrationStatus, SessionKind
from consilium.meetings.models import Event, EventAgreement, Presentation
from consilium.meetings.pdf import render_pdf
from consilium.meetings.programme import teaching_hours, topic_counts

# (label, registered, attended)
Row = tuple[str, int, int]


@dataclass
class EventReport:
    event: Event
    registered: int = 0
    attended: int = 0
    waiting: int = 0
    cancelled: int = 0
    hours: object = None
    by_country: list[Row] = field(default_factory=list)
    by_profession: list[Row] = field(default_factory=list)
    by_institution: list[Row] = field(default_factory=list)
    by_mode: list[Row] = field(default_factory=list)
    sessions_by_kind: list[tuple[str, int]] = field(default_factory=list)
    presentations: int = 0
    presentations_by_topic: list[tuple[str, int]] = field(default_factory=list)
    agreements: list[EventAgreement] = field(default_factory=list)

    @property
    def countries(self) -> int:
        return len(self.by_country)

    @property
    def participant_tables(self) -> list[tuple[str, list[Row]]]:
        return [
            (_("Participants by country"), self.by_country),
            (_("Participants by profession"), self.by_profession),
            (_("Participants by institution"), self.by_institution),
            (_("Participants by mode"), self.by_mode),
        ]


def _grouped(registered, key: str, labels: dict[str, str] | None = None) -> list[Row]:
    attended = Q(checked_in_at__isnull=False) | Q(first_joined_at__isnull=False)
    rows = (
        registered.values(key)
        .annotate(n=Count("pk"), came=Count("pk", filter=attended))
        .order_by("-n", key)
    )
    return [(str((labels or {}).get(r[key], r[key])), r["n"], r["came"]) for r in rows]


def build_report(event: Event) -> EventReport:
    regs = event.registrations.all()
    counts = Counter(regs.values_list("status", flat=True))
    registered = regs.filter(status=RegistrationStatus.REGISTERED)
    presentations = list(Presentation.objects.filter(session__event=event))
    kinds = dict(SessionKind.choices)
    sessions = Counter(event.sessions.values_list("kind", flat=True))
    return EventReport(
        event=event,
        registered=counts[RegistrationStatus.REGISTERED],
        waiting=counts[RegistrationStatus.WAITING],
        cancelled=counts[RegistrationStatus.CANCELLED],
        attended=registered.filter(
            Q(checked_in_at__isnull=False) | Q(first_joined_at__isnull=False)
        ).count(),
        hours=teaching_hours(event),
        by_country=_grouped(registered, "country"),
        by_profession=_grouped(registered, "profession", dict(Profession.choices)),
        by_institution=_grouped(registered, "institution_name"),
        by_mode=_grouped(registered, "mode", dict(AttendanceMode.choices)),
        sessions_by_kind=[(str(kinds[k]), n) for k, n in sessions.most_common()],
        presentations=len(presentations),
        presentations_by_topic=topic_counts(presentations),
        agreements=list(
            event.agreements.select_related("partnership").prefetch_related(
                "partnership__parties__institution"
            )
        ),
    )


def report_csv(report: EventReport) -> str:
    """One table: section, item, registered, attended; spreadsheets open it as it is."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow([_("section"), _("item"), _("registered"), _("attended")])
    writer.writerow([_("total"), report.event.title, report.registered, report.attended])
    writer.writerow([_("total"), _("waiting list"), report.waiting, ""])
    writer.writerow([_("total"), _("cancelled"), report.cancelled, ""])
    for section, rows in (
        (_("country"), report.by_country),
        (_("profession"), report.by_profession),
        (_("institution"), report.by_institution),
        (_("mode"), report.by_mode),
    ):
        for label, n, came in rows:
            writer.writerow([section, label, n, came])
    for label, n in report.sessions_by_kind:
        writer.writerow([_("sessions"), label, n, ""])
    for label, n in report.presentations_by_topic:
        writer.writerow([_("presentations by topic"), label, n, ""])
    for link in report.agreements:
        signed = link.partnership.signed_on.isoformat() if link.partnership.signed_on else ""
        writer.writerow([_("agreement"), link.partnership.title, signed, ""])
    return out.getvalue()


def report_pdf(report: EventReport) -> bytes:
    return render_pdf("meetings/pdf/report.html", {"report": report, "event": report.event})
