"""Drop DRF's token table, left behind when `rest_framework.authtoken` was replaced by knox.

It held every user's token in clear, and those tokens never expired: a copy of the
database would have been a set of working keys until the app was removed, and a readable
list of once-valid secrets after. Nothing reads it any more. Nothing to restore on the way
back: the old keys are void by design.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop)]
