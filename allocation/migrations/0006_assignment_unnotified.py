"""Schema: the partial index of what the digest has still to tell, built after the backfill
(so over a handful of rows, not the whole history)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("allocation", "0005_assignments_before_the_digest_are_notified")]

    operations = [
        migrations.AddIndex(
            model_name="caseassignment",
            index=models.Index(
                condition=models.Q(("notified_at__isnull", True)), fields=["caseworker"], name="assignment_unnotified"
            ),
        ),
    ]
