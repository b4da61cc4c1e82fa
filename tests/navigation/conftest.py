"""Navigation's fixtures: the VNCH personas (with the navigator), a child under treatment on
an adopted protocol with a plan template, and dates relative to today at VNCH."""

import datetime

import pytest
from django.utils import timezone

from consilium.library.actions import adoption as adoption_actions
from consilium.library.actions import documents as document_actions
from consilium.navigation.actions import plans as plan_actions
from consilium.network.models import Institution
from tests.library.conftest import institutions, partnership, publish  # noqa: F401 - fixtures
from tests.network.conftest import pdf_upload
from tests.registry.conftest import diagnosis_data, identity, patient_data

SCHEDULE = [
    {"kind": "chemotherapy", "label": "Cycle 1", "day": 0},
    {"kind": "chemotherapy", "label": "Cycle 2", "day": 21},
    {"kind": "chemotherapy", "label": "Cycle 3", "day": 42},
    {"kind": "surgery", "label": "Resection", "day": 70},
    {"kind": "follow_up", "label": "Review", "day": 100},
]


def vnch_today() -> datetime.date:
    return plan_actions.local_today(Institution.objects.get(code="VNCH"))


def days(n: int) -> datetime.date:
    return vnch_today() + datetime.timedelta(days=n)


@pytest.fixture
def vnch(personas):
    return Institution.objects.get(code="VNCH")


@pytest.fixture
def make_patient(personas, vnch):
    from consilium.registry import actions

    def make(
        *, name="Nguyễn Văn An", number="BN24-00042", diagnosed=None, institution=None, actor=None
    ):
        return actions.register_patient(
            actor=actor or personas["clinician"],
            institution=institution or vnch,
            identity=identity(name=name, hospital_number=number),
            patient=patient_data(),
            diagnosis=diagnosis_data(date=diagnosed or days(-200)),
            confirm_duplicate=False,
        )

    return make


@pytest.fixture
def patient(make_patient):
    return make_patient()


@pytest.fixture
def protocol(partnership, personas, vnch):  # noqa: F811
    """An approved protocol with a plan template, in force at VNCH."""
    version = document_actions.create_document(
        actor=personas["coordinator"],
        owner=vnch,
        kind="protocol",
        code="VN-NB",
        title="Neuroblastoma, intermediate risk",
        language="en",
        change_summary="First version.",
    )
    document_actions.add_file(
        actor=personas["coordinator"], version=version, language="en", upload=pdf_upload()
    )
    version = publish(version, personas)
    version.visit_schedule = SCHEDULE
    version.save(update_fields=["visit_schedule"])
    adoption_actions.adopt_version(
        actor=personas["coordinator"],
        institution=vnch,
        version=version,
        in_force_from=timezone.localdate(),
        roles=["clinician"],
    )
    return version


@pytest.fixture
def plan(personas, patient):
    """A plan by hand: cycles 35, 28 and 7 days ago, today, and in two weeks."""
    return plan_actions.create_plan_by_hand(
        actor=personas["navigator"],
        patient=patient,
        title="Induction",
        start_date=days(-35),
        visits=[
            ("chemotherapy", "C1", days(-35)),
            ("chemotherapy", "C2", days(-28)),
            ("chemotherapy", "C3", days(-7)),
            ("chemotherapy", "C4", days(0)),
            ("follow_up", "Review", days(14)),
        ],
    )


def visit(plan, label):
    return plan.visits.get(label=label)


@pytest.fixture(autouse=True)
def _navigator_reads_english(personas):
    """The demo navigator reads Vietnamese; the pages' words are checked in English here
    (the call-list test switches back to show the reader's language)."""
    personas["navigator"].language = "en"
    personas["navigator"].save(update_fields=["language"])
