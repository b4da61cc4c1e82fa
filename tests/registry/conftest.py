import os

import django
from django.conf import settings

# These tests need no database. Run without pytest-django (``-p no:django``), nothing configures
# Django, and rendering a lazy message needs settings and a ready app registry: give it the least
# that works. Under pytest-django the project's settings are used and this does nothing.
if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en")
    django.setup()


# Fixtures for the tests that use the database (everything but the pure modules' tests).
import datetime

import pytest


def identity(**overrides):
    from consilium.registry.validation import IdentityData

    values = {
        "name": "Nguyễn Văn An",
        "birth_date": datetime.date(2019, 3, 14),
        "hospital_number": "BN24-00042",
        "address": "Thôn Đông, Bắc Ninh",
        "phone": "+84 912 345 678",
    }
    return IdentityData(**(values | overrides))


def patient_data(**overrides):
    from consilium.registry.validation import PatientData

    values = {"sex": "male", "region": "Bắc Ninh", "consent_status": "given"}
    return PatientData(**(values | overrides))


def diagnosis_data(**overrides):
    """A neuroblastoma of the adrenal gland, INRGSS L2, verified histologically."""
    from consilium.registry.validation import DiagnosisData

    values = {
        "date": datetime.date(2024, 2, 1),
        "topography": "C74.9",
        "morphology": "9500",
        "behaviour": "3",
        "basis_of_diagnosis": "7",
        "stage_tumour": "neuroblastoma",
        "stage_tier": 2,
        "stage_value": "L2",
    }
    return DiagnosisData(**(values | overrides))


@pytest.fixture
def vnch(personas):
    from consilium.network.models import Institution

    return Institution.objects.get(code="VNCH")


@pytest.fixture
def register(personas, vnch):
    """Register a patient through the action, as the VNCH clinician unless told otherwise."""
    from consilium.registry import actions

    def make(*, institution=None, actor=None, confirm_duplicate=False, **parts):
        return actions.register_patient(
            actor=actor or personas["clinician"],
            institution=institution or vnch,
            identity=parts.get("identity") or identity(),
            patient=parts.get("patient") or patient_data(),
            diagnosis=parts.get("diagnosis") or diagnosis_data(),
            confirm_duplicate=confirm_duplicate,
        )

    return make
