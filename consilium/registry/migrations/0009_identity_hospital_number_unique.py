"""A hospital number names one child per institution, in the database itself: two requests
registering the same child at once can no longer both succeed. The identity row carries its
patient's institution so that a unique constraint can say it.

An installation that already holds two patients with one hospital number at one institution
(registered twice before this check existed) stops here with their pseudonyms: merge or
correct them, then migrate again."""

import django.db.models.deletion
from django.db import migrations, models


def _copy_institution(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Else the deferred foreign-key checks of this UPDATE are still pending when the
        # next operation alters the table, which PostgreSQL refuses.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(
        "UPDATE registry_patientidentity SET institution_id = (SELECT p.institution_id "
        "FROM registry_patient p WHERE p.id = registry_patientidentity.patient_id)"
    )


def _refuse_duplicates(apps, schema_editor):
    PatientIdentity = apps.get_model("registry", "PatientIdentity")
    seen: dict[tuple[int, str], str] = {}
    clashes = []
    rows = (
        PatientIdentity.objects.exclude(hospital_number_digest="")
        .order_by("patient_id")
        .values_list("institution_id", "hospital_number_digest", "patient__pseudonym")
    )
    for institution, digest, pseudonym in rows.iterator():
        first = seen.setdefault((institution, digest), pseudonym)
        if first != pseudonym:
            clashes.append(f"{first} = {pseudonym}")
    if clashes:
        raise RuntimeError(
            "These patients share a hospital number at their institution; merge or correct "
            "them before migrating: " + "; ".join(clashes[:50])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0002_partnerships_resources"),
        ("registry", "0008_patient_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="patientidentity",
            name="institution",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.institution",
            ),
        ),
        migrations.RunPython(_copy_institution, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="patientidentity",
            name="institution",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.institution",
            ),
        ),
        migrations.RunPython(_refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="patientidentity",
            constraint=models.UniqueConstraint(
                condition=models.Q(("hospital_number_digest", ""), _negated=True),
                fields=("institution", "hospital_number_digest"),
                name="registry_identity_unique_number",
            ),
        ),
    ]
