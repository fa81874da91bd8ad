"""Data migration: every assignment that exists before the new-cases digest counts as told,
so that the digest's first run mails nobody about cases they have had for years.

Backwards there is nothing to undo: the field goes with the schema migration before this.
"""

from django.db import migrations
from django.utils import timezone


def mark_notified(apps, schema_editor):
    CaseAssignment = apps.get_model("allocation", "CaseAssignment")
    CaseAssignment.objects.filter(notified_at__isnull=True).update(notified_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("allocation", "0004_alert_kind_contacts_overdue_caseassignment_notified_at")]
    operations = [migrations.RunPython(mark_notified, migrations.RunPython.noop)]
