"""Let the pure-Python consultation tests (mail parsing, reply tokens) run without the project.

With pytest-django active the project's settings are used as they are.  Run alone (``-p
no:django``) these modules only need Django's translation machinery, so minimal settings are
configured here; the guard leaves a real configuration untouched.
"""

import os

import django
import pytest
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="en",
        INSTALLED_APPS=[],
        DATABASES={},
    )
    django.setup()


# Fixtures of the consultation workflow: a consenting patient at VNCH and the VNCH–Curie
# partnership with a telemedicine area (tests/network/conftest.py).
from tests.network.conftest import institutions, partnership  # noqa: F401


def make_patient(personas, *, consent="given", name="Nguyễn Văn An", birth=(2019, 3, 14)):
    import datetime
    import zlib

    from consilium.network.models import Institution
    from consilium.registry.actions import register_patient
    from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

    # One hospital number per child (the database refuses two children one number).
    number = (
        "BN-2024-77123"
        if (name, birth) == ("Nguyễn Văn An", (2019, 3, 14))
        else f"BN-2024-{zlib.crc32(f'{name}{birth}'.encode()) % 90000 + 10000}"
    )
    return register_patient(
        actor=personas["clinician"],
        institution=Institution.objects.get(code="VNCH"),
        identity=IdentityData(name=name, birth_date=datetime.date(*birth), hospital_number=number),
        patient=PatientData(
            sex="male",
            region="Hà Nội",
            consent_status=consent,
            consent_date=datetime.date(2024, 5, 2),
        ),
        diagnosis=DiagnosisData(
            date=datetime.date(2024, 5, 2),
            topography="C740",
            morphology="9500",
            behaviour="3",
            basis_of_diagnosis="7",
            stage_tumour="neuroblastoma",
            stage_tier=2,
            stage_value="M",
        ),
        confirm_duplicate=True,
    )


@pytest.fixture
def patient(personas):
    return make_patient(personas)


@pytest.fixture
def consultation(personas, partnership, patient, institutions):  # noqa: F811
    from consilium.consultations.actions import request_consultation

    return request_consultation(
        actor=personas["clinician"],
        patient=patient,
        expert_institution=institutions["CURIE"],
        question="High-risk neuroblastoma, MYCN amplified: is tandem HDCT feasible here?",
        urgency="routine",
        specialty="neuroblastoma",
        summary={"history": "3-year-old boy, abdominal mass for 4 weeks."},
    )


@pytest.fixture(autouse=True)
def _unverified_mail_actions_allowed(request):
    """The gateway holds accept, decline and #recommend from senders it cannot authenticate
    (tests/consultations/test_inbound_sender_auth.py); the tests of the commands themselves
    send plain test mail without signatures, so here those actions go through."""
    try:
        settings_fixture = request.getfixturevalue("settings")
    except pytest.FixtureLookupError:
        return
    if getattr(settings_fixture, "CONSILIUM_MAIL_UNVERIFIED_ACTIONS", None) is not None:
        settings_fixture.CONSILIUM_MAIL_UNVERIFIED_ACTIONS = "allow"
