# The trial models moved to the trials app (trials/migrations/0001_initial.py takes them
# over). Their tables keep their names (the models set db_table), so this only removes them
# from the cases app's migration state: the database is not touched.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_drop_indexes_led_by_another'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='TrialEnrolment'),
                migrations.DeleteModel(name='TrialArm'),
                migrations.DeleteModel(name='Trial'),
            ],
            database_operations=[],
        ),
    ]
