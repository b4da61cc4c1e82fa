"""The patient count the database keeps per institution (registry/patient_count_triggers.py):
every way a patient row is written or removed must leave it equal to a fresh COUNT."""

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.models import Count

from consilium.network.models import Institution
from consilium.registry import patient_count_triggers
from consilium.registry.importer import import_csv
from consilium.registry.models import (
    Diagnosis,
    Patient,
    PatientCount,
    PatientIdentity,
    QualityIssue,
)
from consilium.registry.queries import patient_count
from tests.registry.conftest import identity
from tests.registry.csv_samples import ROWS, csv_bytes


def _kept() -> dict[str, int]:
    rows = PatientCount.objects.filter(patients__gt=0).values_list("institution__code", "patients")
    return dict(rows)


def _counted() -> dict[str, int]:
    rows = Patient.objects.values("institution__code").annotate(n=Count("pk")).order_by()
    return {row["institution__code"]: row["n"] for row in rows}


@pytest.fixture
def import_file(tmp_path, vnch, personas):
    def run(content: bytes):
        path = tmp_path / "registry.csv"
        path.write_bytes(content)
        return import_csv(path, vnch, actor=personas["data_manager"])

    return run


def test_registration_and_import_count_and_a_refused_import_counts_nothing(register, import_file):
    register(identity=identity(name="Phạm Thu Hà", hospital_number="BN24-00900"))
    assert _kept() == {"VNCH": 1}

    assert import_file(csv_bytes()).imported == 3
    assert _kept() == {"VNCH": 4}

    broken = [*ROWS[:2], ROWS[2].replace("C64.9", "C99.9")]
    refused = import_file(csv_bytes([row.replace("BN24-001", "BN24-009") for row in broken]))
    assert not refused.ok and refused.imported == 0
    assert _kept() == {"VNCH": 4} == _counted()


def test_a_move_between_institutions_and_deletes_are_counted(register):
    pmc = Institution.objects.get(code="PMC")
    first, second, third = (
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n}")) for n in range(3)
    )
    register(institution=pmc, identity=identity(name="Anna", hospital_number="P1"))
    assert _kept() == {"VNCH": 3, "PMC": 1}

    # (Number 3, which PMC has not given yet: the pseudonym numbers are per institution.)
    Patient.objects.filter(pk=third.pk).update(institution=pmc)
    assert _kept() == {"VNCH": 2, "PMC": 2}
    # An UPDATE that leaves the institution as it was counts nothing.
    Patient.objects.filter(pk=second.pk).update(institution=second.institution, region="Huế")
    assert _kept() == {"VNCH": 2, "PMC": 2}

    Patient.objects.filter(pk=second.pk).delete()  # the ORM's cascade
    # A plain DELETE, as the benchmarks' clean-up does: children first, no ORM cascade.
    for model in (QualityIssue, PatientIdentity, Diagnosis, Patient):
        rows = (
            model.objects.filter(pk=first.pk)
            if model is Patient
            else model.objects.filter(patient=first)
        )
        rows._raw_delete(model.objects.db)
    assert _kept() == {"PMC": 2} == _counted()


def test_a_delete_of_several_institutions_patients_at_once_counts_each(register):
    pmc = Institution.objects.get(code="PMC")
    for n in range(3):
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n}"))
        register(institution=pmc, identity=identity(name=f"Anna {n}", hospital_number=f"P{n}"))

    Patient.objects.filter(pseudonym__endswith="-0001").delete()

    assert _kept() == {"VNCH": 2, "PMC": 2} == _counted()


def test_the_list_total_sums_the_users_institutions_only(register, vnch):
    pmc = Institution.objects.get(code="PMC")
    register()
    register(institution=pmc, identity=identity(name="Anna", hospital_number="P1"))
    register(institution=pmc, identity=identity(name="Boris", hospital_number="P2"))

    assert patient_count({vnch.pk}) == 1
    assert patient_count({vnch.pk, pmc.pk}) == 3
    assert patient_count(set()) == 0


def test_installing_the_triggers_counts_the_patients_already_there(register):
    """Migration 0008 installs them into a registry that has patients."""
    for n in range(2):
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n}"))
    patient_count_triggers.uninstall(connection)
    PatientCount.objects.update(patients=7)

    patient_count_triggers.install(connection)

    assert _kept() == {"VNCH": 2} == _counted()
    assert (
        patient_count_triggers.installed(connection)
        == patient_count_triggers.NAMES[connection.vendor]
    )


def test_every_migrate_puts_back_a_lost_trigger_and_counts_afresh(register):
    """On SQLite a migration that alters the patient table rebuilds it, and its triggers are
    dropped with the old table; migrate's post_migrate signal repairs that."""
    register()
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER registry_patient_count_insert"
            + (" ON registry_patient" if connection.vendor == "postgresql" else "")
        )
    register(identity=identity(name="Phạm Thu Hà", hospital_number="BN24-00900"))
    assert _kept() == {"VNCH": 1}  # the second child went uncounted

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    assert _kept() == {"VNCH": 2} == _counted()
    register(identity=identity(name="Lê Văn Tâm", hospital_number="BN24-00901"))
    assert _kept() == {"VNCH": 3}
    # With every trigger in place it changes nothing.
    assert patient_count_triggers.ensure(connection) is False


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no TRUNCATE; DELETE is counted"
)
def test_a_truncate_empties_the_counts(register):
    register()
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks, which TRUNCATE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE registry_patient CASCADE")
    assert _kept() == {} == _counted()


def test_the_migration_reverses_and_applies_again_with_the_patients_counted(
    audit_triggers_off_after_test, register
):
    register()
    register(identity=identity(name="Phạm Thu Hà", hospital_number="BN24-00900"))

    call_command("migrate", "registry", "0007", verbosity=0)
    assert "registry_patientcount" not in connection.introspection.table_names()
    # The patient table kept no trigger that writes to the table now gone.
    assert patient_count_triggers.installed(connection) == set()

    # Every app: going back to registry 0007 also unapplied the migrations that depend on
    # 0008 (consultations' read marks), which the tests after this one need.
    call_command("migrate", verbosity=0)
    assert _kept() == {"VNCH": 2} == _counted()
