"""Shared by the registry benchmarks: a data directory of their own and a synthetic CSV."""

from __future__ import annotations

import datetime
import os
import random
import sys
from pathlib import Path

CASES = [
    # topography, morphology, basis, stage tumour, tier, stage values, age range
    ("C42.1", "9836", "5", "all", 2, ("CNS1", "CNS2", "CNS3"), (1, 14)),
    ("C74.9", "9500", "7", "neuroblastoma", 2, ("L1", "L2", "M", "MS"), (0, 5)),
    ("C64.9", "8960", "7", "wilms", 2, ("I", "II", "III", "IV"), (1, 6)),
    ("C69.2", "9510", "1", "retinoblastoma", 2, ("0", "I", "II"), (0, 3)),
    ("C71.6", "9470", "7", "medulloblastoma", 2, ("M0", "M1"), (3, 12)),
    ("C77.1", "9663", "7", "hodgkin", 2, ("IIA", "IIIB"), (8, 14)),
    ("C40.2", "9180", "7", "osteosarcoma", 1, ("Localised", "Metastatic"), (9, 14)),
    ("C22.0", "8970", "7", "hepatoblastoma", 2, ("I", "II", "III"), (0, 3)),
]
HEADER = (
    "hospital_number,name,birth_date,sex,address,phone,region,consent_status,diagnosis_date,"
    "topography,morphology,behaviour,basis_of_diagnosis,stage_tumour,stage_tier,stage_value,"
    "vital_status,last_contact"
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = ("Văn An", "Thị Mai", "Minh Dũng", "Gia Huy", "Thu Hà", "Bảo Ngân", "Đức Thịnh")


def setup_django(default_dir: str) -> None:
    os.environ.setdefault("CONSILIUM_DATA_DIR", default_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    os.environ.setdefault("CONSILIUM_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("CONSILIUM_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from consilium.core.demo_data import load_foundation

    load_foundation()


def write_csv(path: Path, rows: int, *, seed: int = 2024, prefix: str = "BN") -> None:
    rng = random.Random(seed)
    today = datetime.date.today()
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for n in range(rows):
            site, morphology, basis, tumour, tier, stages, (low, high) = rng.choice(CASES)
            diagnosed = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randint(0, 3600))
            born = diagnosed - datetime.timedelta(
                days=rng.randint(low * 365 + 30, high * 365 + 200)
            )
            contact = min(today, diagnosed + datetime.timedelta(days=rng.randint(30, 3000)))
            name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {n}"
            out.write(
                f"{prefix}-{n:07d},{name},{born},{rng.choice(('male', 'female'))},"
                f"Thôn {n % 97},+84 9{n % 100:02d} {n % 1000:03d} {n % 997:03d},Hà Nội,given,"
                f"{diagnosed},{site},{morphology},3,{basis},{tumour},{tier},{rng.choice(stages)},"
                f"alive,{contact}\n"
            )


def forget_patients(institution) -> None:
    """Plain DELETEs, child tables first: the ORM's cascade would load every row into memory
    (and spoil the import benchmark's peak-memory figure)."""
    from consilium.registry.models import Diagnosis, Patient, PatientIdentity, QualityIssue

    patients = Patient.objects.filter(institution=institution)
    for model in (QualityIssue, PatientIdentity, Diagnosis):
        model.objects.filter(patient__in=patients)._raw_delete(model.objects.db)
    patients._raw_delete(Patient.objects.db)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Leave the tables as a registry that did not just lose 100,000 rows would have them:
        # without it the next import also pays for the dead rows and bloated indexes this
        # clean-up leaves (74 s instead of 61 s).
        with connection.cursor() as cursor:
            for model in (QualityIssue, PatientIdentity, Diagnosis, Patient):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# The first load numbers its rows L0-0000000, L0-0000001…; this one is found by its keyed hash.
LIST_PROBE = "L0-0005000"


def load_list_patients(count: int):
    """CCHE with `count` synthetic patients, imported once and kept in the data directory (or
    database) for the next run. Not the institution the import benchmark uses, which may share
    a PostgreSQL database. Returns the institution."""
    import tempfile
    import time

    from consilium.network.models import Institution
    from consilium.registry.crypto import hospital_number_digest
    from consilium.registry.importer import import_csv
    from consilium.registry.models import Patient, PatientIdentity

    institution = Institution.objects.get(code="CCHE")
    # Not found means another data directory (another key) loaded them: load them anew.
    probe = PatientIdentity.objects.filter(
        hospital_number_digest=hospital_number_digest(LIST_PROBE)
    )
    if not probe.exists():
        forget_patients(institution)
    have = Patient.objects.filter(institution=institution).count()
    if have < count:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "registry.csv"
            write_csv(path, count - have, seed=have, prefix=f"L{have}")
            started = time.perf_counter()
            outcome = import_csv(path, institution, actor=None)
            assert outcome.ok, outcome.errors[:5]
            print(
                f"(loaded {outcome.imported:,} patients in {time.perf_counter() - started:.0f} s)"
            )
    return institution
