"""Registration raced against itself and against audited reads, on real connections."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from consilium.registry import actions
from consilium.registry.actions import PossibleDuplicate, lock_numbering
from consilium.registry.models import Patient, PatientIdentity
from consilium.registry.validation import ChecksFailed

from .conftest import diagnosis_data, identity, patient_data


def _threads(count: int, target) -> list:
    """Run target(i) in `count` threads started together; return what each returned or raised."""
    start = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i: int) -> None:
        try:
            start.wait(10)
            outcomes[i] = target(i)
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.parametrize("confirm_duplicate", [False, True])
def test_it_registers_a_child_submitted_from_8_tabs_once(
    audit_triggers_off_after_test, personas, vnch, confirm_duplicate
):
    def submit(i: int) -> Patient:
        return actions.register_patient(
            actor=personas["clinician"],
            institution=vnch,
            identity=identity(),
            patient=patient_data(),
            diagnosis=diagnosis_data(),
            confirm_duplicate=confirm_duplicate,
        )

    outcomes = _threads(8, submit)

    registered = [o for o in outcomes if isinstance(o, Patient)]
    refused = [o for o in outcomes if isinstance(o, PossibleDuplicate | ChecksFailed)]
    assert len(registered) == 1, outcomes
    assert len(refused) == 7, outcomes
    if confirm_duplicate:
        # Confirming a likely duplicate cannot register a hospital number twice.
        assert {r.code for o in refused for r in o.results} == {"hospital_number_taken"}
    assert PatientIdentity.objects.filter(institution=vnch).count() == 1


def test_the_database_refuses_a_hospital_number_twice_at_one_institution(register, vnch):
    from django.db import IntegrityError

    first = register()
    row = actions.identity_row(first, identity(name="Somebody Else"))
    row.patient = Patient.objects.create(
        institution=vnch,
        pseudonym="VNCH-2024-9999",
        pseudonym_year=2024,
        pseudonym_number=9999,
        sex="male",
        birth_year=2019,
        birth_month=3,
        diagnosis_year=2024,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save(force_insert=True)


def test_it_refuses_a_confirmed_duplicate_with_the_same_hospital_number(register):
    first = register()
    with pytest.raises(ChecksFailed) as refused:
        register(identity=identity(name="Another Name"), confirm_duplicate=True)
    (result,) = refused.value.results
    assert result.code == "hospital_number_taken"
    assert first.pseudonym in str(result.message)


def test_it_still_registers_a_confirmed_namesake_with_another_number(register):
    register()
    second = register(identity=identity(hospital_number="BN24-00999"), confirm_duplicate=True)
    assert second.pk


def test_it_registers_while_patient_pages_are_read_without_deadlock(
    audit_triggers_off_after_test, personas, vnch, register
):
    """The deadlock of issue 22: registering locked the institution then the audit chain; a
    page view took the chain's lock, then needed a share lock on the institution row for its
    audit entry's foreign key."""
    seen = register(identity=identity(name="Trần Thị Mai", hospital_number="BN24-00100"))
    reader = Client()
    reader.force_login(personas["data_manager"])
    url = reverse("registry:patient_detail", args=[seen.pk])
    locked, viewed = threading.Event(), threading.Event()
    outcome: dict = {}

    def registration() -> None:
        try:
            with transaction.atomic():
                lock_numbering(vnch)  # what register_patient holds while it writes
                locked.set()
                outcome["viewed_meanwhile"] = viewed.wait(5)
                outcome["patient"] = actions.register_patient(
                    actor=personas["clinician"],
                    institution=vnch,
                    identity=identity(),
                    patient=patient_data(),
                    diagnosis=diagnosis_data(),
                )
        except Exception as exc:
            outcome["registration_error"] = exc
        finally:
            connection.close()

    def page_views() -> None:
        try:
            locked.wait(10)
            outcome["statuses"] = []
            for _ in range(5):
                outcome["statuses"].append(reader.get(url).status_code)
                viewed.set()
        except Exception as exc:
            outcome["view_error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=registration), threading.Thread(target=page_views)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert "registration_error" not in outcome and "view_error" not in outcome, outcome
    assert outcome["statuses"] == [200] * 5
    assert outcome["patient"].pk
    if connection.vendor == "postgresql":
        # Reading does not wait for a registration at all (SQLite has one writer at a time).
        assert outcome["viewed_meanwhile"]
    assert time.monotonic() - started < 30
