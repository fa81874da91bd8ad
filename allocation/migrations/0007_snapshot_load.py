"""Schema and data: snapshots record the load (hundredths) beside the open count.

The column comes with a database default (no table rewrite on PostgreSQL); the rows already
recorded are then backfilled as the count × 100, since every case weighed 1 until weights
existed, so history reads the same in load as in count. Backwards the column simply goes.
"""

from django.db import migrations, models


def backfill(apps, schema_editor):
    CaseloadSnapshot = apps.get_model("allocation", "CaseloadSnapshot")
    CaseloadSnapshot.objects.update(load_hundredths=models.F("open_cases") * 100)


class Migration(migrations.Migration):
    dependencies = [("allocation", "0006_assignment_unnotified")]

    operations = [
        migrations.AddField(
            model_name="caseloadsnapshot",
            name="load_hundredths",
            field=models.PositiveIntegerField(db_default=0, default=0, verbose_name="load (hundredths)"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
