# The navigator's page reads each list a page at a time in an index's order (session 25).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("navigation", "0002_therapy_state"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="outreachtask",
            name="navigation_task_due",
        ),
        migrations.RemoveIndex(
            model_name="proposedabandonment",
            name="navigation_abandon_open",
        ),
        migrations.RemoveIndex(
            model_name="therapystate",
            name="navigation_therapy_stopped",
        ),
        migrations.AddIndex(
            model_name="outreachtask",
            index=models.Index(
                fields=["institution", "status", "due_on", "patient"],
                name="navigation_task_due_child",
            ),
        ),
        migrations.AddIndex(
            model_name="proposedabandonment",
            index=models.Index(
                fields=["institution", "status", "proposed_at", "id"],
                name="navigation_abandon_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="therapystate",
            index=models.Index(
                condition=models.Q(("interrupted_since__isnull", False)),
                fields=["institution", "interrupted_since", "patient"],
                name="navigation_therapy_stop_child",
            ),
        ),
    ]
