# The meetings import is a kind of run of its own.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importrun",
            name="kind",
            field=models.CharField(
                choices=[
                    ("organisation", "Organisation (jobcenters, teams, caseworkers)"),
                    ("caseload", "Caseloads (citizens and open cases)"),
                    ("meetings", "Meetings held and booked (of imported cases)"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
    ]
