"""The vocabularies of meetings: kinds, modes, visibility and the topic tags of talks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CONGRESS = "congress", _("Congress")
    WORKSHOP = "workshop", _("Workshop")
    TUMOUR_BOARD = "tumour_board", _("Tumour board")
    SEMINAR = "seminar", _("Seminar")
    ROUND_TABLE = "round_table", _("Round table")
    WEBINAR = "webinar", _("Webinar")
    SITE_VISIT = "site_visit", _("Site visit")


class EventMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class Visibility(models.TextChoices):
    # A tumour board discusses patients: only the organisers and their active partners.
    PARTNERS = "partners", _("Organisers and their partners")
    NETWORK = "network", _("Everyone in the network")
    PUBLIC = "public", _("Public programme")


class SessionKind(models.TextChoices):
    SECTION = "section", _("Section")
    WORKSHOP = "workshop", _("Workshop")
    ROUND_TABLE = "round_table", _("Round table")
    SEMINAR = "seminar", _("Seminar")
    CASE_DISCUSSION = "case_discussion", _("Case discussion")
    SITE_VISIT = "site_visit", _("Site visit")
    BREAK = "break", _("Break")


class DiagnosisGroup(models.TextChoices):
    """The twelve main groups of ICCC-3, the classification the registry uses."""

    LEUKAEMIA = "leukaemia", _("Leukaemias")
    LYMPHOMA = "lymphoma", _("Lymphomas")
    CNS = "cns", _("CNS tumours")
    NEUROBLASTOMA = "neuroblastoma", _("Neuroblastoma")
    RETINOBLASTOMA = "retinoblastoma", _("Retinoblastoma")
    RENAL = "renal", _("Renal tumours")
    HEPATIC = "hepatic", _("Hepatic tumours")
    BONE = "bone", _("Bone tumours")
    SOFT_TISSUE = "soft_tissue", _("Soft-tissue sarcomas")
    GERM_CELL = "germ_cell", _("Germ-cell tumours")
    EPITHELIAL = "epithelial", _("Carcinomas and melanomas")
    OTHER = "other", _("Other tumours")


class Discipline(models.TextChoices):
    SURGERY = "surgery", _("Surgery")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    SUPPORTIVE_CARE = "supportive_care", _("Supportive care")
    PALLIATIVE_CARE = "palliative_care", _("Palliative care")
    NURSING = "nursing", _("Nursing")
    INFECTION_CONTROL = "infection_control", _("Infection control")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class AgendaStatus(models.TextChoices):
    # The requester proposes; the coordinator accepts, orders and times the case.
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("On the agenda")


class CheckInMethod(models.TextChoices):
    """How a day's attendance was recorded, for the desk's log and the report."""

    DESK = "desk", _("At the desk")
    BADGE = "badge", _("Badge scanned")
    ONLINE = "online", _("Joined online")
