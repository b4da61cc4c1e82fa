"""Navigation's demo at VNCH, all through its actions: the Wilms protocol's plan template,
children on plans, a visit missed yesterday, a child whose therapy stopped five weeks ago
(a proposed abandonment for the data manager), a child brought back after a call to the
mother and transport money, and a high-risk family. Runs after the library's demo; a second
run changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.core.demo_data import load_foundation
from consilium.library.actions import adoption as adoption_actions
from consilium.library.models import Document, VersionStatus
from consilium.navigation.actions import outreach, sweep
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import risk as risk_actions
from consilium.navigation.models import TreatmentPlan, VisitStatus
from consilium.network.models import Institution
from consilium.registry.models import Patient, VitalStatus

# Wilms tumour, after SIOP-RTSG UMBRELLA: four weeks of pre-operative vincristine and
# dactinomycin, nephrectomy, post-operative cycles, then follow-up. The visits' labels and the
# families' words are in Vietnamese, as the Hanoi team types them (WILMS-VN is its adaptation).
WILMS_SCHEDULE = [
    {"kind": "chemotherapy", "label": "Tiền phẫu tuần 1 (VA)", "day": 0},
    {"kind": "chemotherapy", "label": "Tiền phẫu tuần 2 (V)", "day": 7},
    {"kind": "chemotherapy", "label": "Tiền phẫu tuần 3 (VA)", "day": 14},
    {"kind": "chemotherapy", "label": "Tiền phẫu tuần 4 (V)", "day": 21},
    {"kind": "surgery", "label": "Cắt thận", "day": 28},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 1 (VA)", "day": 42},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 2 (V)", "day": 49},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 3 (V)", "day": 56},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 4 (VA)", "day": 63},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 5 (V)", "day": 70},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 6 (V)", "day": 77},
    {"kind": "chemotherapy", "label": "Hậu phẫu tuần 7 (VA)", "day": 84},
    {"kind": "follow_up", "label": "Đánh giá kết thúc điều trị", "day": 112},
]

FAMILIES = [
    ("Mẹ", "Nguyễn Thị Hương", "+84 912 555 101", "Xã Tân Lập, Phú Thọ"),
    ("Mẹ", "Trần Thị Mai", "+84 987 555 202", "Bản Lác, Mai Châu, Hòa Bình"),
    ("Bố", "Lò Văn Sơn", "+84 978 555 303", "Xã Mường Lạn, Sơn La"),
    ("Bà ngoại", "Đặng Thị Lựu", "+84 355 555 404", "Thôn Hạ, Yên Bái"),
    ("Mẹ", "Hoàng Thị Nga", "+84 915 555 505", "Phường Hà Khẩu, Hạ Long"),
    ("Mẹ", "Vũ Thị Thanh", "+84 916 555 606", "Xã Đông Sơn, Thanh Hóa"),
]

POOR_FAR = {
    "travel_minutes": 420,
    "travel_cost": Decimal("350000"),
    "income_band": "lowest",
    "insurance": "partial",
    "caregiver_available": True,
    "needs_lodging": True,
    "phone_access": "shared",
    "language": "Thái",
    "needs_interpreter": True,
    "earlier_missed_visits": 0,
}
NEAR = POOR_FAR | {
    "travel_minutes": 60,
    "travel_cost": Decimal("40000"),
    "income_band": "middle",
    "insurance": "full",
    "needs_lodging": False,
    "phone_access": "own",
    "language": "Tiếng Việt",
    "needs_interpreter": False,
}


def _wilms_template(vnch: Institution, coordinator) -> object | None:
    document = Document.objects.filter(code="WILMS-VN").first()
    if document is None:
        return None
    version = document.versions.filter(status=VersionStatus.APPROVED).order_by("-number").first()
    if version is None:
        return None
    if not version.visit_schedule:
        version.visit_schedule = WILMS_SCHEDULE
        version.save(update_fields=["visit_schedule"])
    if not version.adoptions.filter(institution=vnch, in_force_until__isnull=True).exists():
        adoption_actions.adopt_version(
            actor=coordinator,
            institution=vnch,
            version=version,
            in_force_from=timezone.localdate() - datetime.timedelta(days=200),
            roles=[Role.CLINICIAN, Role.NAVIGATOR],
        )
    return version


def _children(vnch: Institution, today: datetime.date, count: int) -> list[Patient]:
    return list(
        Patient.objects.filter(
            institution=vnch,
            vital_status=VitalStatus.ALIVE,
            origin_date__lte=today - datetime.timedelta(days=130),
            origin_date__gte=today - datetime.timedelta(days=900),
            abandonment_date__isnull=True,
            death_date__isnull=True,
        ).order_by("-origin_date", "pk")[:count]
    )


def _attend(navigator, plan, before: datetime.date) -> None:
    for visit in plan.visits.filter(date__lt=before, status=VisitStatus.PLANNED):
        plan_actions.mark_visit(actor=navigator, visit=visit, status=VisitStatus.ATTENDED)


@transaction.atomic
def load_demo() -> None:
    if TreatmentPlan.objects.exists():
        return
    people = load_foundation()
    navigator, clinician = people["navigator"], people["clinician"]
    vnch = Institution.objects.get(code="VNCH")
    today = plan_actions.local_today(vnch)
    version = _wilms_template(vnch, people["coordinator"])
    children = _children(vnch, today, 6)
    if len(children) < 6:
        return

    def plan_for(child, start):
        if version is not None:
            return plan_actions.create_plan_from_protocol(
                actor=clinician, patient=child, version=version, start_date=start
            )
        return plan_actions.create_plan_by_hand(
            actor=clinician,
            patient=child,
            title="Wilms tumour (by hand)",
            start_date=start,
            visits=[
                (row["kind"], row["label"], start + datetime.timedelta(days=row["day"]))
                for row in WILMS_SCHEDULE
            ],
        )

    for child, (relation, name, phone, address) in zip(children, FAMILIES, strict=True):
        outreach.add_family_contact(
            actor=navigator,
            patient=child,
            relation=relation,
            name=name,
            phone=phone,
            address=address,
        )
    on_track, missed_yesterday, stopped, brought_back, high_risk, due_today = children
    day = datetime.timedelta(days=1)

    # Comes every week; expected again today.
    _attend(navigator, plan_for(on_track, today - 49 * day), today)
    # Came for every visit until yesterday's post-operative cycle.
    _attend(navigator, plan_for(missed_yesterday, today - 50 * day), today - day)
    # Seen for the first weeks, then nothing for five weeks: a proposed abandonment.
    _attend(navigator, plan_for(stopped, today - 56 * day), today - 35 * day)
    # Missed two weeks, the mother was called and given the bus fare; the child came back.
    plan = plan_for(brought_back, today - 70 * day)
    _attend(navigator, plan, today - 20 * day)
    for visit in plan.visits.filter(date__lt=today - 6 * day, status=VisitStatus.PLANNED):
        plan_actions.mark_visit(actor=navigator, visit=visit, status=VisitStatus.MISSED)
    outreach.log_contact(
        actor=navigator,
        patient=brought_back,
        kind="call",
        reached=False,
        at=timezone.now() - 12 * day,
    )
    outreach.log_contact(
        actor=navigator,
        patient=brought_back,
        kind="call",
        reached=True,
        spoke_with="Mẹ",
        agreed="The harvest kept the family home; they come back on Monday, bus fare given.",
        at=timezone.now() - 11 * day,
    )
    outreach.give_support(
        actor=navigator,
        patient=brought_back,
        kind="transport",
        given_on=today - 11 * day,
        amount=Decimal("300000"),
        note="Bus Mai Châu – Hà Nội and back",
    )
    _attend(navigator, plan, today + day)  # back today
    # Newly diagnosed far from Hanoi: scored high, a navigation plan proposed.
    risk_actions.record_profile(actor=navigator, patient=high_risk, data=POOR_FAR, today=today)
    _attend(navigator, plan_for(high_risk, today - 7 * day), today)
    risk_actions.record_profile(actor=navigator, patient=on_track, data=NEAR, today=today)
    # Starts today.
    plan_for(due_today, today)
    sweep.run()
