"""Every URL of the installation, visited as each persona, against the access rules of the
brief (docs: "Who may see what").

The table below holds one row per route (one per action for the routes that dispatch on an
action) and, for each method, the outcome expected for each persona in this order:

    admin  coordinator  clinician  data_manager  expert  outsider  anonymous

where 200/204/302/400/403/404/405/401 are status codes, L is a redirect to the sign-in page
and A a redirect to the admin's sign-in page. The personas are those of the demo: the VNCH
clinician, data manager and coordinator; Claire Martin, the expert at the partner Institut
Curie (on the consultation's team); Pieter de Jong at the Princess Máxima Center (no
partnership with VNCH: the outsider); the installation's admin (superuser, admin role at
UZPHO, no clinical role); and an anonymous visitor.

A route that has no row makes the test fail, so a new page cannot ship without someone
deciding who may open it. Each POST runs in a savepoint that is rolled back, so every
persona meets the same data; the clients enforce CSRF as browsers do.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consilium.audit.actions import verify_chain
from consilium.audit.models import AuditEntry
from consilium.meetings.badges import badge_token
from consilium.meetings.certificates import verification_code
from tests.security.conftest import CSRF_SECRET, PERSONAS, csrf_client
from tests.security.world import RECOMMENDATION, World

# The world's first patient's remission, a week earlier than first recorded.
EVENT_CORRECTION = {"kind": "remission", "date": "2024-07-25"}
# The world's first patient's diagnosis, restaged: a correction the clinical team may make.
DIAGNOSIS_CORRECTION = {
    "date": "2024-02-01",
    "topography": "C74.9",
    "morphology": "9500",
    "behaviour": "3",
    "basis_of_diagnosis": "7",
    "stage_tumour": "neuroblastoma",
    "stage_tier": 2,
    "stage_value": "M",
}

pytestmark = pytest.mark.django_db

Kwargs = Callable[[World], dict]


@dataclass(frozen=True)
class Row:
    name: str
    kwargs: Kwargs = lambda w: {}
    get: str | None = None
    post: str | None = None
    put: str | None = None  # sent as JSON, as the API takes it
    data: Callable[[World], dict] = lambda w: {}
    json: bool = False  # the API takes JSON bodies
    note: str = ""
    label: str = field(default="")
    # The audit column: the entry a successful GET must leave (a read of patient data).
    audit: str = ""

    @property
    def key(self) -> str:
        return self.label or self.name


def pk(attr: str, **extra: object) -> Kwargs:
    return lambda w: {"pk": getattr(w, attr).pk, **extra}


def act(attr: str, action: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, attr).pk, "action": action}


def dispatch(name: str, attr: str, prefix: str, table: dict[str, str]) -> list[Row]:
    """One row per action of a route that dispatches on its last segment."""
    return [
        Row(name, act(attr, a), post=expected, label=prefix + a) for a, expected in table.items()
    ]


def code(institution: str = "VNCH") -> Kwargs:
    return lambda w: {"code": institution}


ALL_200 = "200 200 200 200 200 200 200"
MEMBERS_200 = "200 200 200 200 200 200 L"
# Registry pages: the owning institution's clinicians and data managers only.
CLINICAL = "404 404 200 200 404 404 L"
CLINICAL_403 = "403 403 200 200 403 403 L"
CLINICAL_302 = "404 404 302 302 404 404 L"
NAV_API_GET = "404 404 200 200 404 404 401"
NAV_FACTORS = [
    "long_travel",
    "costly_travel",
    "lowest_income",
    "low_income",
    "no_insurance",
    "no_caregiver",
    "needs_lodging",
    "no_phone",
    "shared_phone",
    "interpreter",
    "missed_before",
]

ROWS: list[Row] = [
    # --- core and accounts
    Row("home", get=ALL_200),
    Row("healthz", get=ALL_200),
    Row("set_language", post="302 302 302 302 302 302 302", data=lambda w: {"language": "en"}),
    Row("profile", get=MEMBERS_200, post="200 200 200 200 200 200 L"),
    # --- network
    Row("network:overview", get=MEMBERS_200),
    Row("network:dashboard", get=MEMBERS_200),
    Row("network:directory", get=MEMBERS_200),
    Row("network:absences", get=MEMBERS_200, post="200 200 200 200 200 200 L"),
    Row("network:institution", code("VNCH"), get=MEMBERS_200),
    Row(
        "network:institution_edit",
        code("VNCH"),
        get="403 200 403 403 403 403 L",
        post="403 200 403 403 403 403 L",
    ),
    Row(
        "network:resources_edit",
        code("VNCH"),
        get="403 200 403 403 403 403 L",
        post="403 200 403 403 403 403 L",
    ),
    Row(
        "network:partnership_new", get="200 200 403 403 403 403 L", post="200 200 403 403 403 403 L"
    ),
    Row("network:partnership", pk("partnership"), get=MEMBERS_200),
    Row("network:partnership_document", pk("partnership"), get=MEMBERS_200),
    Row(
        "network:area_objectives",
        lambda w: {"pk": w.partnership.pk, "area_pk": w.area.pk},
        post="403 302 403 403 403 403 L",
        data=lambda w: {"objectives": "Weekly boards"},
    ),
    Row(
        "network:partnership_action",
        act("partnership", "activate"),
        post="403 302 403 403 403 403 L",
        label="pa-activate",
    ),
    Row(
        "network:partnership_action",
        act("partnership", "confirm"),
        post="403 403 403 403 403 403 L",
        label="pa-confirm",
    ),
    Row(
        "network:partnership_action",
        act("partnership", "decline"),
        post="403 403 403 403 403 403 L",
        label="pa-decline",
    ),
    Row(
        "network:partnership_action",
        act("partnership", "end"),
        post="403 302 403 403 403 403 L",
        label="pa-end",
        data=lambda w: {"reason": "Test"},
    ),
    Row(
        "network:partnership_action",
        act("partnership", "area"),
        post="403 400 403 403 403 403 L",
        label="pa-area",
    ),
    Row(
        "network:partnership_action",
        act("partnership", "milestone"),
        post="403 400 403 403 403 403 L",
        label="pa-ms",
    ),
    Row(
        "network:partnership_action",
        act("partnership", "nonsense"),
        post="403 404 403 403 403 403 L",
        label="pa-x",
    ),
    Row(
        "network:milestone_update",
        pk("milestone"),
        post="403 302 403 403 403 403 L",
        data=lambda w: {f"m{w.milestone.pk}-status": "done"},
    ),
    # --- consultations
    Row("consultations:queue", get=MEMBERS_200),
    Row("consultations:new", get="403 403 200 200 403 403 L", post="403 403 200 200 403 403 L"),
    Row("consultations:turnaround", get="200 200 200 200 200 200 L"),
    Row(
        "consultations:draft",
        get="405 405 405 405 405 405 L",
        post="404 404 200 200 200 404 L",
        data=lambda w: {"kind": "message", "consultation": w.consultation.pk, "body": "Half"},
    ),
    # A kept post's key is its owner's alone; a made-up one is nobody's.
    Row("consultations:kept", lambda w: {"key": "made-up-key"}, get="404 404 404 404 404 404 L"),
    Row(
        "consultations:detail",
        pk("consultation"),
        get="404 404 200 200 200 404 L",
        audit="consultations.viewed",
    ),
    Row(
        "consultations:report",
        pk("consultation"),
        get="404 404 200 200 200 404 L",
        audit="consultations.file_downloaded",
    ),
    Row(
        "consultations:attachment",
        lambda w: {"pk": w.consultation.pk, "attachment_pk": w.dicom.pk},
        get="404 404 200 200 200 404 L",
        audit="consultations.file_downloaded",
    ),
    Row(
        "consultations:attachment_preview",
        lambda w: {"pk": w.consultation.pk, "attachment_pk": w.dicom.pk},
        get="404 404 200 200 200 404 L",
        audit="consultations.file_downloaded",
    ),
    # A forged confirm link is nobody's: 404 for everyone signed in.
    Row(
        "consultations:confirm_held",
        lambda w: {"token": "e30:forged:signature"},
        get="404 404 404 404 404 404 L",
        post="404 404 404 404 404 404 L",
    ),
    Row(
        "consultations:edit_message",
        lambda w: {"pk": w.consultation.pk, "message_pk": w.message.pk},
        post="404 404 403 403 302 404 L",
        data=lambda w: {"body": "Could you send the MIBG scan, please?"},
    ),
    *dispatch(
        "consultations:act",
        "consultation",
        "c-",
        {
            "message": "404 404 400 400 400 404 L",
            "accept": "404 404 403 403 302 404 L",
            "decline": "404 404 400 400 400 404 L",
            "draft": "404 404 403 403 400 404 L",
            "finalise": "404 404 403 403 400 404 L",
            "follow-up": "404 404 400 400 400 404 L",
            "withdraw": "404 404 302 302 403 404 L",
            "assign": "404 404 400 400 400 404 L",
            # The requesting team's clinicians and the accepted expert; empty, the form is sent
            # back with its errors. A data manager keeps the registry and does not ask.
            "second-opinion": "404 404 400 403 400 404 L",
            # Whoever may ask may withdraw; sent empty, nothing is open and the page says so.
            "withdraw-second-opinion": "404 404 302 403 302 404 L",
            "nonsense": "404 404 404 404 404 404 L",
        },
    ),
    # --- registry
    Row("registry:patient_list", get="403 302 200 200 403 403 L"),
    Row("registry:patient_new", get="403 403 200 200 403 403 L", post="403 403 200 200 403 403 L"),
    Row(
        "registry:patient_detail",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        audit="registry.patient_viewed",
    ),
    Row(
        "registry:identity_edit",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:consent_edit",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:diagnosis_new",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:marker_new",
        lambda w: {"pk": w.patient.pk, "diagnosis_pk": w.patient.diagnoses.first().pk},
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:diagnosis_edit",
        lambda w: {"pk": w.patient.pk, "diagnosis_pk": w.patient.diagnoses.first().pk},
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:treatment_new",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:event_new",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:event_edit",
        lambda w: {"pk": w.patient.pk, "event_pk": w.patient.events.first().pk},
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row(
        "registry:contact_new",
        pk("patient"),
        get="404 404 200 200 404 404 L",
        post="404 404 200 200 404 404 L",
    ),
    Row("registry:issue_confirm", pk("issue"), post="404 404 403 302 404 404 L"),
    Row("registry:check", post="403 403 200 200 403 403 L"),
    Row("registry:code_lookup", get="403 403 200 200 403 403 L"),
    Row("registry:import", get="403 403 200 200 403 403 L", post="403 403 200 200 403 403 L"),
    Row("registry:codebook", get="200 200 200 200 200 200 L"),
    Row("registry:template_xlsx", get="200 200 200 200 200 200 L"),
    Row("registry:template_zip", get="200 200 200 200 200 200 L"),
    Row("registry:import_job", pk("import_job"), get="404 404 200 200 404 404 L"),
    # The world's job is not waiting for a confirmation: refused by message, nothing done.
    Row("registry:import_decide", pk("import_job"), post="403 403 302 302 403 403 L"),
    Row("registry:quality", code("VNCH"), get="404 200 200 200 404 404 L"),
    Row("registry:export_csv", code("VNCH"), get="404 404 200 200 404 404 L"),
    Row("registry:export_fhir", code("VNCH"), get="404 404 200 200 404 404 L"),
    Row("registry:export_xlsx", code("VNCH"), get="404 404 200 200 404 404 L"),
    Row("registry:export_zip", code("VNCH"), get="404 404 200 200 404 404 L"),
    # --- meetings
    Row("meetings:events", get="200 200 200 200 200 200 200"),
    Row("meetings:event_new", get="200 200 403 403 403 403 L", post="200 200 403 403 403 403 L"),
    Row("meetings:event", pk("board"), get="200 200 200 200 200 404 404", label="board"),
    Row("meetings:event", pk("workshop"), get="200 200 200 200 200 200 404", label="workshop"),
    Row("meetings:event", pk("public_event"), get="200 200 200 200 200 200 200", label="public"),
    Row(
        "meetings:event_edit",
        pk("board"),
        get="403 200 403 403 403 404 L",
        post="403 200 403 403 403 404 L",
    ),
    Row("meetings:programme", pk("workshop"), get="403 200 403 403 403 403 L"),
    *dispatch(
        "meetings:programme_action",
        "workshop",
        "prog-",
        {
            "section": "403 400 403 403 403 403 L",
            "session": "403 400 403 403 403 403 L",
            "presentation": "403 400 403 403 403 403 L",
            "agreement": "403 400 403 403 403 403 L",
            "remove-session": "403 404 403 403 403 403 L",
            "nonsense": "403 404 403 403 403 403 L",
        },
    ),
    Row("meetings:event_ics", pk("board"), get="200 200 200 200 200 404 404", label="board.ics"),
    Row(
        "meetings:event_ics",
        pk("public_event"),
        get="200 200 200 200 200 200 200",
        label="public.ics",
    ),
    Row("meetings:agenda", pk("board"), get="200 200 200 200 200 404 L"),
    *dispatch(
        "meetings:agenda_action",
        "board",
        "agenda-",
        {
            "propose": "302 302 302 302 302 404 L",
            "schedule": "404 302 404 404 404 404 L",
            # No such case: a clear message and the typed text kept, not a bare 404.
            "conclude": "400 400 400 400 400 404 L",
            "nonsense": "404 404 404 404 404 404 L",
        },
    ),
    Row(
        "meetings:agenda_action",
        act("board", "accept"),
        post="404 302 404 404 404 404 L",
        data=lambda w: {"item": w.board.agenda.get().pk},
        label="agenda-accept",
    ),
    Row(
        "meetings:agenda_action",
        act("board", "withdraw"),
        post="404 302 302 404 404 404 L",
        data=lambda w: {"item": w.board.agenda.get().pk},
        label="agenda-withdraw",
    ),
    Row(
        "meetings:propose_case",
        pk("consultation"),
        get="404 404 200 200 404 404 L",
        post="404 404 400 400 404 404 L",
    ),
    # Case summaries: the organisers and their partners; the admin holds no role there.
    Row("meetings:present", lambda w: {"pk": w.board.pk, "n": 1}, get="404 200 200 200 200 404 L"),
    Row("meetings:minutes", pk("board"), get="404 200 200 200 200 404 L"),
    Row(
        "meetings:register",
        pk("workshop"),
        post="302 302 302 302 302 302 L",
        data=lambda w: {"mode": "online"},
    ),
    Row("meetings:participants", pk("workshop"), get="403 200 403 403 403 403 L"),
    *dispatch(
        "meetings:participants_action",
        "workshop",
        "part-",
        {
            "guest": "403 400 403 403 403 403 L",
            "member": "403 400 403 403 403 403 L",
            "check-in": "403 400 403 403 403 403 L",
            "hours": "403 404 403 403 403 403 L",
            "revoke": "403 404 403 403 403 403 L",
            "nonsense": "403 404 403 403 403 403 L",
        },
    ),
    Row("meetings:report", pk("workshop"), get="403 200 403 403 403 403 L"),
    Row(
        "meetings:report_download",
        pk("workshop", fmt="csv"),
        get="403 200 403 403 403 403 L",
        label="report.csv",
    ),
    Row(
        "meetings:report_download",
        pk("workshop", fmt="pdf"),
        get="403 200 403 403 403 403 L",
        label="report.pdf",
    ),
    # Slides: the speaker (the expert) and the organisers; others who see the event are
    # told they are for registered participants.
    Row("meetings:slides", pk("presentation"), get="302 200 302 302 200 302 404"),
    Row("meetings:slides_upload", pk("presentation"), post="403 302 403 403 302 403 L"),
    Row("meetings:cancel", pk("registration"), post="404 302 404 404 302 404 L"),
    Row("meetings:certificate", pk("registration"), get="404 200 404 404 200 404 L"),
    Row("meetings:badge", pk("registration"), get="404 200 404 404 200 404 L"),
    # No sheet made yet in the world: the coordinator is sent to prepare one.
    Row("meetings:badges", pk("workshop"), get="403 302 403 403 403 403 L"),
    Row("meetings:prepare_badges", pk("workshop"), post="403 302 403 403 403 403 L"),
    Row(
        "meetings:scan",
        lambda w: {"pk": w.workshop.pk, "token": badge_token(w.registration)},
        # Already checked in: the page says when, and changes nothing.
        get="403 200 403 403 403 403 L",
    ),
    Row("meetings:mail_certificates", pk("workshop"), post="403 302 403 403 403 403 L"),
    Row(
        "meetings:announcements",
        pk("workshop"),
        get="403 200 403 403 403 403 L",
        post="403 302 403 403 403 403 L",
        data=lambda w: {"subject_en": "Room change", "body_en": "Day two is in room B."},
    ),
    Row("meetings:verify", get="200 200 200 200 200 200 200"),
    Row(
        "meetings:verify_certificate",
        lambda w: {"code": verification_code(w.registration)},
        get="200 200 200 200 200 200 200",
    ),
    Row(
        "meetings:join",
        lambda w: {"token": w.registration.join_token},
        get="200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200",
    ),
    Row("meetings:series_new", get="200 200 403 403 403 403 L", post="200 200 403 403 403 403 L"),
    Row("meetings:series", pk("series"), get="200 200 200 200 200 404 404"),
    Row("meetings:series_extend", pk("series"), post="403 302 403 403 403 404 L"),
    Row("meetings:series_ics", pk("series"), get="200 200 200 200 200 404 404"),
    Row("meetings:calendar", get="200 200 200 200 200 200 L", post="302 302 302 302 302 302 L"),
    Row("meetings:feed", lambda w: {"token": w.feed_token}, get="200 200 200 200 200 200 200"),
    Row("meetings:my_training", get="200 200 200 200 200 200 L"),
    Row("meetings:training_overview", get="200 200 200 200 200 200 L"),
    Row("meetings:partnership_training", pk("partnership"), get="200 200 200 200 200 200 L"),
    # --- navigation: the institution's clinical roles only (navigators too); deciding an
    # abandonment and setting risk weights: its data manager
    Row("navigation:home", get=CLINICAL),
    Row("navigation:call_list", get=CLINICAL),
    Row("navigation:section", lambda w: {"key": "outreach"}, get=CLINICAL),
    Row(
        "navigation:day",
        get=CLINICAL,
        post="404 404 302 302 404 404 L",
        data=lambda w: {"attended": [str(w.nav_visit.pk)]},
    ),
    Row(
        "navigation:weights",
        get=CLINICAL,
        post="404 404 403 302 404 404 L",
        data=lambda w: {
            "medium_from": 3,
            "high_from": 6,
            "travel_cost_limit": "100000",
            **{f"w_{key}": 1 for key in NAV_FACTORS},
        },
    ),
    Row("navigation:patient", pk("patient"), get=CLINICAL),
    Row(
        "navigation:plan_new",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"hand-title": "Again", "hand-start_date": "2026-01-01"},
    ),
    Row(
        "navigation:plan_close",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"close-reason": "Treatment completed"},
    ),
    Row(
        "navigation:visit_new",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"visit-kind": "follow_up", "visit-date": "2099-01-01"},
    ),
    Row(
        "navigation:profile",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {
            "profile-travel_minutes": 30,
            "profile-travel_cost": "1000",
            "profile-income_band": "middle",
            "profile-insurance": "full",
            "profile-phone_access": "own",
            "profile-earlier_missed_visits": 0,
        },
    ),
    Row(
        "navigation:contact_new",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"contact-kind": "call", "contact-reached": "yes"},
    ),
    Row(
        "navigation:support_new",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"support-kind": "food", "support-given_on": "2026-01-01"},
    ),
    Row(
        "navigation:family_new",
        pk("patient"),
        post=CLINICAL_302,
        data=lambda w: {"family-relation": "Uncle", "family-phone": "+84 90 000 0000"},
    ),
    Row(
        "navigation:visit_action",
        act("nav_visit", "attended"),
        post=CLINICAL_302,
        label="nav-attended",
    ),
    Row(
        "navigation:visit_action",
        act("nav_visit", "missed"),
        post=CLINICAL_302,
        label="nav-missed",
    ),
    Row(
        "navigation:visit_action",
        act("nav_visit", "reschedule"),
        post=CLINICAL_302,
        data=lambda w: {"date": "2099-01-01"},
        label="nav-reschedule",
    ),
    Row(
        "navigation:visit_action",
        act("nav_visit", "nonsense"),
        post="404 404 404 404 404 404 L",
        label="nav-unknown",
    ),
    Row(
        "navigation:abandonment_action",
        act("nav_proposal", "confirm"),
        post="404 404 403 302 404 404 L",
        label="nav-confirm",
    ),
    Row(
        "navigation:abandonment_action",
        act("nav_proposal", "reject"),
        post="404 404 403 302 404 404 L",
        data=lambda w: {"reason": "Treated at K Hospital"},
        label="nav-reject",
    ),
    Row(
        "navigation:abandonment_action",
        act("nav_proposal", "nonsense"),
        post="404 404 403 404 404 404 L",
        label="nav-unknown-decision",
    ),
    # --- library
    Row("library:home", get="200 200 200 200 200 200 L"),
    Row("library:document_new", get="200 200 200 403 403 403 L", post="200 200 200 403 403 403 L"),
    Row("library:document", pk("document"), get="200 200 200 200 200 200 L"),
    Row(
        "library:document_action",
        act("document", "new-version"),
        post="403 302 302 403 403 403 L",
        label="doc-new-version",
        data=lambda w: {"change_summary": "Second version."},
    ),
    Row(
        "library:document_action",
        act("document", "adopt"),
        post="400 400 400 400 400 400 L",
        label="doc-adopt",
        data=lambda w: {"institution": w.institutions["CURIE"].pk, "in_force_from": "2025-01-01"},
    ),
    Row(
        "library:document_action",
        act("document", "nonsense"),
        post="404 404 404 404 404 404 L",
        label="doc-x",
    ),
    Row("library:version", pk("version"), get="200 200 200 200 200 200 L"),
    Row("library:version_file", pk("version", language="en"), get="200 200 200 200 200 200 L"),
    *dispatch(
        "library:version_action",
        "version",
        "ver-",
        {
            "submit": "403 302 302 403 403 403 L",
            "return": "403 302 302 403 403 403 L",
            "approve": "403 302 403 403 403 403 L",
            "retire": "403 302 403 403 403 403 L",
            "edit": "400 400 400 400 400 400 L",
            "file": "400 400 400 400 400 400 L",
            "reviewer": "400 400 400 400 400 400 L",
            "review": "400 400 400 400 400 400 L",
            "nonsense": "404 404 404 404 404 404 L",
        },
    ),
    Row(
        "library:version_action",
        act("version", "comment"),
        post="403 400 400 400 400 403 L",
        label="ver-comment",
        data=lambda w: {"body": "Please add the paediatric doses."},
    ),
    Row(
        "library:version_action",
        act("version", "checklist"),
        post="403 302 302 403 403 403 L",
        label="ver-checklist",
        data=lambda w: {"title": "Line care", "items": "Hands\nHub"},
    ),
    Row("library:adoption", pk("adoption"), get="404 200 200 200 404 404 L"),
    Row("library:adoption_acknowledge", pk("adoption"), post="404 302 302 302 404 404 L"),
    Row("library:adoption_remind", pk("adoption"), post="404 302 403 403 404 404 L"),
    Row("library:checklist", pk("checklist"), get="200 200 200 200 200 200 L"),
    Row(
        "library:round_new",
        pk("checklist"),
        get="403 200 200 200 403 403 L",
        post="403 400 400 400 403 403 L",
    ),
    Row("library:compliance_csv", pk("checklist"), get="404 200 200 200 404 404 L"),
    Row("library:sendouts", get="200 200 200 200 200 200 L", audit="library.sendouts_listed"),
    Row("library:sendout_new", get="403 403 200 200 403 403 L", post="403 403 400 400 403 403 L"),
    Row(
        "library:sendout",
        pk("sendout"),
        get="404 404 200 200 200 404 L",
        audit="library.sendout_viewed",
    ),
    Row("library:sendout_report", pk("sendout"), get="404 404 404 404 404 404 L"),
    *dispatch(
        "library:sendout_action",
        "sendout",
        "so-",
        {
            "received": "404 404 403 403 302 404 L",
            "in_analysis": "404 404 403 403 302 404 L",
            "ship": "404 404 400 400 400 404 L",
            "result": "404 404 400 400 400 404 L",
            "fail": "404 404 400 400 400 404 L",
            "nonsense": "404 404 404 404 404 404 L",
        },
    ),
    Row("library:treatments", get="403 403 200 200 403 403 L"),
    Row("library:treatment_link", pk("treatment"), post="404 404 302 302 404 404 L"),
    # --- outcomes
    Row("outcomes:page", get="403 200 200 200 403 403 L"),
    Row("outcomes:chart_svg", get="403 200 200 200 403 403 L"),
    Row("outcomes:report_pdf", get="403 200 200 200 403 403 L"),
    Row("outcomes:table_csv", lambda w: {"table": "estimates"}, get="403 200 200 200 403 403 L"),
    # Without a file the comparison is refused as bad input, after the access check.
    # Comparing with and exporting to other sites: data managers and coordinators only.
    Row("outcomes:compare_file", get="403 200 403 200 403 403 L", post="403 400 403 400 403 403 L"),
    Row("outcomes:export_file", lambda w: {"code": "VNCH"}, get="403 200 403 200 403 403 L"),
    # --- search: everyone signed in may search; what each finds is tested in tests/search.
    Row("search:results", get=MEMBERS_200),
    # Without a patient or a consultation to compare with there is nothing to show.
    Row("search:similar", get="404 404 404 404 404 404 L"),
    Row("api:search_everything", get="200 200 200 200 200 200 401"),
    Row(
        "api:similar_to_consultation",
        lambda w: {"consultation_id": w.consultation.pk},
        get="404 404 200 200 200 404 401",
    ),
    # --- the API
    Row("api:openapi-json", get="200 200 200 200 200 200 L"),
    Row("api:openapi-view", get="200 200 200 200 200 200 L"),
    Row("api:api-root", get="404 404 404 404 404 404 404"),
    Row("api:list_institutions", get="200 200 200 200 200 200 401"),
    Row("api:read_institution", code("VNCH"), get="200 200 200 200 200 200 401"),
    Row("api:read_resources", code("VNCH"), get="404 404 404 404 404 404 401"),
    Row(
        "api:list_partnerships",
        get="200 200 200 200 200 200 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row("api:read_partnership", pk("partnership"), get="200 200 200 200 200 200 401"),
    # The world's partnership is active: nobody has anything left to confirm or decline.
    Row("api:confirm_partnership", pk("partnership"), post="403 403 403 403 403 403 401"),
    Row(
        "api:decline_partnership",
        pk("partnership"),
        post="403 403 403 403 403 403 401",
        json=True,
    ),
    Row(
        "api:update_milestone",
        pk("milestone"),
        post="403 200 403 403 403 403 401",
        json=True,
        data=lambda w: {"status": "done"},
    ),
    Row(
        "api:list_consultations",
        get="200 200 200 200 200 200 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row(
        "api:read",
        pk("consultation"),
        get="404 404 200 200 200 404 401",
        audit="consultations.viewed",
    ),
    Row(
        "api:messages",
        pk("consultation"),
        get="404 404 200 200 200 404 401",
        audit="consultations.viewed",
        post="404 404 201 201 201 404 401",
        json=True,
        data=lambda w: {"body": "Thank you."},
    ),
    Row(
        "api:recommend",
        pk("consultation"),
        post="404 404 403 403 422 404 401",
        json=True,
        data=lambda w: dict(RECOMMENDATION),
    ),
    Row(
        "api:list_patients",
        get="403 403 200 200 403 403 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row(
        "api:get_patient", lambda w: {"patient_id": w.patient.pk}, get="404 404 200 200 404 404 401"
    ),
    Row(
        "api:list_diagnoses",
        lambda w: {"patient_id": w.patient.pk},
        get="404 404 200 200 404 404 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row(
        "api:update_diagnosis",
        lambda w: {"patient_id": w.patient.pk, "diagnosis_id": w.patient.diagnoses.first().pk},
        put="404 404 200 200 404 404 401",
        data=lambda w: DIAGNOSIS_CORRECTION,
    ),
    Row(
        "api:list_follow_up_events",
        lambda w: {"patient_id": w.patient.pk},
        get="404 404 200 200 404 404 401",
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"kind": "relapse", "date": "2025-01-05"},
    ),
    Row(
        "api:update_follow_up_event",
        lambda w: {"patient_id": w.patient.pk, "event_id": w.patient.events.first().pk},
        put="404 404 200 200 404 404 401",
        data=lambda w: EVENT_CORRECTION,
    ),
    Row(
        "api:record_contact",
        lambda w: {"patient_id": w.patient.pk},
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"date": "2025-02-01", "vital_status": "alive"},
    ),
    Row("api:nav_plans", pk("patient"), get=NAV_API_GET),
    Row(
        "api:nav_create_plan",
        pk("patient"),
        post="404 404 422 422 404 404 401",
        json=True,
        data=lambda w: {"title": "Again", "start_date": "2026-01-01"},
    ),
    Row(
        "api:nav_close_plan",
        pk("patient"),
        post="404 404 200 200 404 404 401",
        json=True,
        data=lambda w: {"reason": "Treatment completed"},
    ),
    Row(
        "api:nav_add_visit",
        pk("patient"),
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"kind": "follow_up", "date": "2099-01-01"},
    ),
    Row("api:nav_day_list", lambda w: {"code": "VNCH", "day": "2026-01-01"}, get=NAV_API_GET),
    Row(
        "api:nav_mark_visit",
        pk("nav_visit"),
        post="404 404 200 200 404 404 401",
        json=True,
        data=lambda w: {"status": "attended"},
    ),
    Row(
        "api:nav_reschedule_visit",
        pk("nav_visit"),
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"date": "2099-01-01"},
    ),
    Row("api:nav_outreach", pk("patient"), get=NAV_API_GET),
    Row(
        "api:nav_log_contact",
        pk("patient"),
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"kind": "call", "reached": True},
    ),
    Row(
        "api:nav_give_support",
        pk("patient"),
        post="404 404 201 201 404 404 401",
        json=True,
        data=lambda w: {"kind": "food", "given_on": "2026-01-01"},
    ),
    Row("api:nav_abandonments", code("VNCH"), get=NAV_API_GET),
    Row(
        "api:nav_decide_abandonment",
        pk("nav_proposal"),
        post="404 404 403 200 404 404 401",
        json=True,
        data=lambda w: {"decision": "confirm"},
    ),
    Row(
        "api:nav_set_weights",
        code("VNCH"),
        put="404 404 403 200 404 404 401",
        data=lambda w: {
            "weights": {key: 1 for key in NAV_FACTORS},
            "medium_from": 3,
            "high_from": 6,
            "travel_cost_limit": 100,
        },
    ),
    Row("api:nav_measures", code("VNCH"), get="404 200 200 200 404 404 401"),
    Row("api:list_events", get="200 200 200 200 200 200 401"),
    Row("api:read_event", pk("board"), get="200 200 200 200 200 404 401"),
    Row("api:read_programme", pk("workshop"), get="200 200 200 200 200 200 401"),
    Row(
        "api:list_registrations",
        pk("workshop"),
        get="403 200 403 403 403 403 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row("api:check_in", pk("workshop"), post="403 422 403 403 403 403 401", json=True),
    Row(
        "api:cancel_registration", pk("registration"), post="404 422 404 404 422 404 401", json=True
    ),
    Row(
        "api:list_documents",
        get="200 200 200 200 200 200 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row("api:read_document", pk("document"), get="200 200 200 200 200 200 401"),
    Row("api:start_version", pk("document"), post="422 422 422 422 422 422 401", json=True),
    Row("api:read_version", pk("version"), get="200 200 200 200 200 200 401"),
    Row("api:invite_reviewer", pk("version"), post="422 422 422 422 422 422 401", json=True),
    Row("api:submit_version", pk("version"), post="403 422 422 403 403 403 401", json=True),
    Row("api:review_version", pk("version"), post="422 422 422 422 422 422 401", json=True),
    Row("api:comment_version", pk("version"), post="422 422 422 422 422 422 401", json=True),
    Row("api:approve_version", pk("version"), post="403 422 403 403 403 403 401", json=True),
    Row("api:retire_version", pk("version"), post="403 200 403 403 403 403 401", json=True),
    Row("api:protocol_choices", get="200 200 200 200 200 200 401"),
    Row(
        "api:list_adoptions",
        get="200 200 200 200 200 200 401",
        post="422 422 422 422 422 422 401",
        json=True,
    ),
    Row("api:acknowledge", pk("adoption"), post="404 422 200 422 404 404 401", json=True),
    Row("api:read_checklist", pk("checklist"), get="200 200 200 200 200 200 401"),
    Row("api:read_compliance", pk("checklist"), get="422 422 422 422 422 422 401"),
    Row("api:record_round", pk("checklist"), post="422 422 422 422 422 422 401", json=True),
    Row(
        "api:list_sendouts",
        get="200 200 200 200 200 200 401",
        post="422 422 422 422 422 422 401",
        json=True,
        audit="library.sendouts_listed",
    ),
    Row(
        "api:read_sendout",
        pk("sendout"),
        get="404 404 200 200 200 404 401",
        audit="library.sendout_viewed",
    ),
    Row("api:ship", pk("sendout"), post="422 422 422 422 422 422 401", json=True),
    Row("api:change_status", pk("sendout"), post="422 422 422 422 422 422 401", json=True),
    Row("api:report_result", pk("sendout"), post="422 422 422 422 422 422 401", json=True),
    Row("api:fail", pk("sendout"), post="422 422 422 422 422 422 401", json=True),
    Row("api:link_protocol", pk("treatment"), post="422 422 422 422 422 422 401", json=True),
    Row("api:survival", get="403 200 200 200 403 403 401"),
    Row("api:indicators", get="403 200 200 200 403 403 401"),
]

ACCOUNT_ROWS: list[Row] = [
    Row("account_login", get="302 302 302 302 302 302 200", post="302 302 302 302 302 302 200"),
    Row("account_logout", get="200 200 200 200 200 200 302", post="302 302 302 302 302 302 302"),
    Row("account_inactive", get="200 200 200 200 200 200 200"),
    Row("account_signup", get="302 302 302 302 302 302 200", post="302 302 302 302 302 302 200"),
    Row(
        "account_reauthenticate", get="200 200 200 200 200 200 L", post="200 200 200 200 200 200 L"
    ),
    Row("account_request_reauthentication_code", get="302 302 302 302 302 302 L"),
    Row("account_confirm_reauthentication_code", get="302 302 302 302 302 302 L"),
    Row("account_email", get="200 200 200 200 200 200 L", post="302 302 302 302 302 302 L"),
    Row("account_email_verification_sent", get="200 200 200 200 200 200 200"),
    Row(
        "account_change_password", get="200 200 200 200 200 200 L", post="200 200 200 200 200 200 L"
    ),
    Row("account_set_password", get="302 302 302 302 302 302 L", post="302 302 302 302 302 302 L"),
    Row(
        "account_reset_password",
        get="200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200",
    ),
    Row("account_confirm_login_code", get="302 302 302 302 302 302 L"),
    Row(
        "account_confirm_email", lambda w: {"key": "no-such-key"}, get="200 200 200 200 200 200 200"
    ),
    Row("account_reset_password_from_key_done", get="200 200 200 200 200 200 200"),
    Row(
        "account_reset_password_from_key",
        lambda w: {"uidb36": "1", "key": "no-such-key"},
        get="200 200 200 200 200 200 200",
    ),
    Row("account_reset_password_done", get="200 200 200 200 200 200 200"),
    Row("mfa_index", get="200 200 200 200 200 200 L"),
    Row("mfa_authenticate", get="302 302 302 302 302 302 L"),
    # The admin signs in with TOTP (the admin site needs it), so it has a factor to re-prove
    # and one to deactivate.
    Row("mfa_reauthenticate", get="200 302 302 302 302 302 L"),
    Row("mfa_activate_totp", get="302 302 302 302 302 302 L", post="302 302 302 302 302 302 L"),
    Row("mfa_deactivate_totp", get="302 404 404 404 404 404 L", post="302 404 404 404 404 404 L"),
    Row("mfa_view_recovery_codes", get="404 404 404 404 404 404 L"),
    Row(
        "mfa_generate_recovery_codes",
        get="302 302 302 302 302 302 L",
        post="302 302 302 302 302 302 L",
    ),
    Row("mfa_download_recovery_codes", get="404 404 404 404 404 404 L"),
    Row("usersessions_list", get="200 200 200 200 200 200 L", post="302 302 302 302 302 302 L"),
]

# What the Django admin may show: people, institutions and the audit log (pseudonyms only),
# and the framework's own tables. Registering a model that holds patient data would let an
# admin without a clinical role read it: adding one here must be a decision.
# For each, what the admin meets on its list, add, history, delete and change pages and at
# an object's bare address (a redirect to its change page); everyone else is sent to the
# admin's sign-in. The audit log and the task queue are read-only; objects that do not
# exist send the admin back to the index (302).
ADMIN_MODELS = {
    "account.emailaddress": "200 200 302 302 302 302",
    "accounts.user": "200 200 200 200 200 302",
    "audit.auditentry": "200 403 200 403 200 302",
    "auth.group": "200 200 302 302 302 302",
    "django_tasks_database.dbtaskresult": "200 403 200 403 200 302",
    "mfa.authenticator": "200 200 302 302 302 302",
    "network.institution": "200 200 200 200 200 302",
    "usersessions.usersession": "200 200 302 302 302 302",
}
# The world holds objects of these; the others' pages are visited for an object that does not
# exist (sessions, for one, come and go with the requests themselves).
ADMIN_OBJECTS = {
    "accounts.user",
    "audit.auditentry",
    "django_tasks_database.dbtaskresult",
    "network.institution",
}
STAFF_ONLY = "200 A A A A A A"


def _admin_object(world: World, label: str) -> str:
    if label not in ADMIN_OBJECTS:
        return "0"
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    return str(model._default_manager.order_by("pk").first().pk)


def _admin_rows() -> list[Row]:
    rows = [
        Row("admin:index", get=STAFF_ONLY),
        Row("admin:login", get="302 403 403 403 403 403 L", post="302 403 403 403 403 403 L"),
        Row("admin:logout", post="200 302 302 302 302 302 302"),
        Row("admin:password_change", get=STAFF_ONLY),
        Row("admin:password_change_done", get=STAFF_ONLY),
        Row("admin:autocomplete", get="403 A A A A A A"),
        Row("admin:jsi18n", get=STAFF_ONLY),
        Row(
            "admin:view_on_site",
            lambda w: {"content_type_id": "1", "object_id": "1"},
            get="404 A A A A A A",
        ),
        Row("admin:app_list", lambda w: {"app_label": "network"}, get=STAFF_ONLY),
    ]
    for label, outcomes in sorted(ADMIN_MODELS.items()):
        app, model = label.split(".")
        obj = (lambda lab: lambda w: {"object_id": _admin_object(w, lab)})(label)
        pages = zip(
            ("changelist", "add", "history", "delete", "change"), outcomes.split()[:5], strict=True
        )
        rows += [
            Row(
                f"admin:{app}_{model}_{page}",
                obj if page in ("history", "delete", "change") else (lambda w: {}),
                get=f"{first} A A A A A A",
                label=f"{label} {page}",
            )
            for page, first in pages
        ]
    return rows


# Paths that no reverse() reaches: the admin's redirect from an object's bare address and
# its catch-all.
PATH_ROWS: list[tuple[str, str]] = [
    *[
        (f"/admin/{label.replace('.', '/')}/1/", f"{outcomes.split()[5]} A A A A A A")
        for label, outcomes in sorted(ADMIN_MODELS.items())
    ],
    ("/admin/no-such-page/", "404 A A A A A A"),
]

EVERY_ROW = ROWS + ACCOUNT_ROWS + _admin_rows()


# --------------------------------------------------------------------------- the machinery


def _all_routes(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    routes: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            routes |= _all_routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.add(_route(prefix + str(pattern.pattern)))
    return routes


def _route(route: str) -> str:
    # resolve() drops the anchors of regular-expression patterns that the walk keeps.
    return re.sub(r"[\^$]", "", route)


def _outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = urlsplit(response["Location"]).path
        if location == reverse("account_login"):
            return "L"
        if location == reverse("admin:login"):
            return "A"
    return str(response.status_code)


def _visit(client, method: str, url: str, row: Row, world: World) -> str:
    """One request in a savepoint rolled back afterwards, so the next visitor meets the
    same data. A server error is reported with its exception, never as a status."""
    cookies = copy.deepcopy(client.cookies)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic():
        try:
            if method == "get":
                response = client.get(url)
            elif method == "put":
                response = client.put(
                    url,
                    json.dumps(row.data(world)),
                    content_type="application/json",
                    headers={"X-CSRFToken": CSRF_SECRET},
                )
            elif row.json:
                response = client.post(
                    url,
                    json.dumps(row.data(world)),
                    content_type="application/json",
                    headers={"X-CSRFToken": CSRF_SECRET},
                )
            else:
                response = client.post(url, {"csrfmiddlewaretoken": CSRF_SECRET, **row.data(world)})
        except Exception as exc:
            outcome = f"500:{type(exc).__name__}:{exc}"[:160]
        else:
            outcome = _outcome(response)
            if method == "get" and outcome == "200" and row.audit:
                outcome += _audit_missing(row.audit, before)
        transaction.set_rollback(True)
    # Signing out replaced the session cookie; the rolled-back session row is still valid.
    client.cookies = cookies
    return outcome


def _audit_missing(verb: str, before: int) -> str:
    """ "" when the read left its entry (a download's names the file), else why not."""
    entries = AuditEntry.objects.filter(id__gt=before, verb=verb)
    if not entries.exists():
        return f" without audit entry {verb}"
    if verb.endswith("file_downloaded") and not all(e.details.get("file") for e in entries):
        return f" with {verb} not naming the file"
    return ""


def _url(row: Row, world: World) -> str:
    return reverse(row.name, kwargs=row.kwargs(world))


def _visits(row: Row):
    for method in ("get", "post", "put"):
        expected = getattr(row, method)
        if expected is not None:
            yield method, expected.split()


def test_it_has_a_row_for_every_route(world):
    from django.urls import resolve

    covered = {_route(resolve(_url(row, world)).route) for row in EVERY_ROW}
    covered |= {_route(resolve(path).route) for path, _expected in PATH_ROWS}
    missing = sorted(_all_routes() - covered)
    assert not missing, f"routes without a row in the authorization matrix: {missing}"


def test_it_lets_the_admin_site_show_only_what_it_may():
    assert {m._meta.label_lower for m in admin.site._registry} == set(ADMIN_MODELS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_exactly_what_the_rules_allow(world, persona):
    index = PERSONAS.index(persona)
    client = csrf_client(world, persona)
    wrong = []
    for row in EVERY_ROW:
        url = _url(row, world)
        for method, expected in _visits(row):
            got = _visit(client, method, url, row, world)
            if got != expected[index]:
                wrong.append(
                    f"{method.upper()} {url} [{row.key}]: expected {expected[index]}, got {got}"
                )
    for path, expected in PATH_ROWS:
        got = _visit(client, "get", path, Row("path"), world)
        if got != expected.split()[index]:
            wrong.append(f"GET {path}: expected {expected.split()[index]}, got {got}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
    # Every read and change above wrote its audit entry into one unbroken chain.
    assert verify_chain().ok


# --------------------------------------------------------------------------- boundaries

# Every route that shows the world's consultation or one of its files to its expert.
CONSULTATION_ROWS = [
    row
    for row in ROWS
    if row.name
    in {
        "consultations:detail",
        "consultations:report",
        "consultations:attachment",
        "consultations:attachment_preview",
        "api:read",
        "api:messages",
    }
]


def _expert_outcomes(world: World) -> list[str]:
    client = csrf_client(world, "expert")
    return [_visit(client, "get", _url(row, world), row, world) for row in CONSULTATION_ROWS]


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
def test_an_expert_off_the_team_reaches_none_of_the_consultation(world, status):
    from consilium.consultations.models import Assignment

    assert _expert_outcomes(world) == ["200"] * len(CONSULTATION_ROWS)
    with transaction.atomic():
        Assignment.objects.filter(
            consultation=world.consultation, expert=world.personas["expert"]
        ).update(status=status)
        assert _expert_outcomes(world) == ["404"] * len(CONSULTATION_ROWS)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        (0, 365, "200"),  # its first day
        (-365, 0, "200"),  # its last day
        (1, 365, "404"),  # the day before it starts
        (-365, -1, "404"),  # the day after it ended
    ],
)
def test_the_partnership_opens_the_consultation_on_its_valid_days_only(
    world, valid_from, valid_until, expected
):
    """Days counted at the expert's institution (Paris), whatever the server's zone."""
    import datetime

    from consilium.network.access import institution_today
    from consilium.network.models import Partnership

    today = institution_today(world.institutions["CURIE"].pk)
    with transaction.atomic():
        Partnership.objects.filter(pk=world.partnership.pk).update(
            valid_from=today + datetime.timedelta(days=valid_from),
            valid_until=today + datetime.timedelta(days=valid_until),
        )
        assert set(_expert_outcomes(world)) == {expected}
        transaction.set_rollback(True)
