"""Schema: the `contacts_overdue` alert kind, and when a caseworker was told of an assignment."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("allocation", "0003_drop_indexes_led_by_another")]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("caseworker_over_cap", "Caseworker over cap"),
                    ("team_over_capacity", "Team over capacity"),
                    ("queue_waiting", "Cases waiting in the queue"),
                    ("contacts_overdue", "Contacts overdue"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        # Nullable without a default: no table rewrite on PostgreSQL.
        migrations.AddField(
            model_name="caseassignment",
            name="notified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="caseworker notified"),
        ),
    ]
