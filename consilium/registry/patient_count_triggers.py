"""The database triggers that keep PatientCount, one institution's number of patients.

Triggers rather than Python: the importer writes with COPY and executemany, benchmarks and
clean-ups with raw DELETEs, and a count that one of them forgot would be wrong in silence.

Installed by migration 0008. On SQLite, a later migration that alters the patient table
rebuilds it (a new table, the rows copied, the old one dropped), and its triggers go with the
old table: `ensure` runs after every migrate (apps.py), puts back what is missing and
counts afresh.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# Patients move between institutions never in practice, but the UPDATE trigger keeps the
# figures right if an administrator ever does it.
SQLITE = [
    """
    CREATE TRIGGER registry_patient_count_insert AFTER INSERT ON registry_patient
    BEGIN
        INSERT INTO registry_patientcount (institution_id, patients)
        VALUES (NEW.institution_id, 1)
        ON CONFLICT (institution_id) DO UPDATE SET patients = patients + 1;
    END
    """,
    """
    CREATE TRIGGER registry_patient_count_delete AFTER DELETE ON registry_patient
    BEGIN
        UPDATE registry_patientcount SET patients = patients - 1
        WHERE institution_id = OLD.institution_id;
    END
    """,
    """
    CREATE TRIGGER registry_patient_count_move AFTER UPDATE OF institution_id ON registry_patient
    WHEN OLD.institution_id IS NOT NEW.institution_id
    BEGIN
        UPDATE registry_patientcount SET patients = patients - 1
        WHERE institution_id = OLD.institution_id;
        INSERT INTO registry_patientcount (institution_id, patients)
        VALUES (NEW.institution_id, 1)
        ON CONFLICT (institution_id) DO UPDATE SET patients = patients + 1;
    END
    """,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS registry_patient_count_{name}" for name in ("insert", "delete", "move")
]

# PostgreSQL counts per statement, from the statement's transition table: an import's COPY of
# 5,000 rows updates the count once, not 5,000 times (each update a new row version). A
# statement that touches several institutions takes their count rows in institution order, so
# two such statements cannot deadlock (the app's own writes are one institution at a time).
POSTGRES = [
    """
    CREATE FUNCTION registry_patient_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO registry_patientcount (institution_id, patients)
        SELECT institution_id, count(*) FROM new_patients
        GROUP BY institution_id ORDER BY institution_id
        ON CONFLICT (institution_id)
        DO UPDATE SET patients = registry_patientcount.patients + EXCLUDED.patients;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER registry_patient_count_insert AFTER INSERT ON registry_patient
    REFERENCING NEW TABLE AS new_patients
    FOR EACH STATEMENT EXECUTE FUNCTION registry_patient_count_insert()
    """,
    """
    CREATE FUNCTION registry_patient_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM registry_patientcount
        WHERE institution_id IN (SELECT institution_id FROM old_patients)
        ORDER BY institution_id FOR UPDATE;
        UPDATE registry_patientcount AS kept SET patients = kept.patients - gone.n
        FROM (SELECT institution_id, count(*) AS n FROM old_patients GROUP BY institution_id)
            AS gone
        WHERE kept.institution_id = gone.institution_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER registry_patient_count_delete AFTER DELETE ON registry_patient
    REFERENCING OLD TABLE AS old_patients
    FOR EACH STATEMENT EXECUTE FUNCTION registry_patient_count_delete()
    """,
    """
    CREATE FUNCTION registry_patient_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM registry_patientcount
        WHERE institution_id IN (OLD.institution_id, NEW.institution_id)
        ORDER BY institution_id FOR UPDATE;
        UPDATE registry_patientcount SET patients = patients - 1
        WHERE institution_id = OLD.institution_id;
        INSERT INTO registry_patientcount (institution_id, patients)
        VALUES (NEW.institution_id, 1)
        ON CONFLICT (institution_id)
        DO UPDATE SET patients = registry_patientcount.patients + 1;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER registry_patient_count_move AFTER UPDATE OF institution_id
    ON registry_patient FOR EACH ROW
    WHEN (OLD.institution_id IS DISTINCT FROM NEW.institution_id)
    EXECUTE FUNCTION registry_patient_count_move()
    """,
    # TRUNCATE fires no row or DELETE trigger.
    """
    CREATE FUNCTION registry_patient_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM registry_patientcount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER registry_patient_count_truncate AFTER TRUNCATE ON registry_patient
    FOR EACH STATEMENT EXECUTE FUNCTION registry_patient_count_truncate()
    """,
]
POSTGRES_REVERSE = [
    f"DROP FUNCTION IF EXISTS registry_patient_count_{name}() CASCADE"
    for name in ("insert", "delete", "move", "truncate")
]

RECOUNT = [
    "DELETE FROM registry_patientcount",
    """
    INSERT INTO registry_patientcount (institution_id, patients)
    SELECT institution_id, count(*) FROM registry_patient GROUP BY institution_id
    """,
]


NAMES = {
    "sqlite": {f"registry_patient_count_{name}" for name in ("insert", "delete", "move")},
    "postgresql": {
        f"registry_patient_count_{name}" for name in ("insert", "delete", "move", "truncate")
    },
}


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers, then count. On PostgreSQL CREATE TRIGGER locks the table against
    writers until the transaction commits, so no patient is added between the two."""
    postgresql = connection.vendor == "postgresql"
    _run(connection, [*(POSTGRES if postgresql else SQLITE), *RECOUNT])


def uninstall(connection: BaseDatabaseWrapper) -> None:
    postgresql = connection.vendor == "postgresql"
    _run(connection, POSTGRES_REVERSE if postgresql else SQLITE_REVERSE)


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'registry_patient'::regclass"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'registry_patient'"
            )
        return {name for (name,) in cursor.fetchall()} & NAMES[connection.vendor]


def ensure(connection: BaseDatabaseWrapper) -> bool:
    """Put the triggers back if any is missing, and count afresh; True if it had to."""
    if installed(connection) == NAMES[connection.vendor]:
        return False
    uninstall(connection)
    install(connection)
    return True
