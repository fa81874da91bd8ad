# The trial models' content types follow them from the cases app, so that their
# permissions and the admin's history of trials stay attached to them (otherwise Django
# would create new content types and leave the old ones, with their history, stale).

from django.db import migrations

MODELS = ["trial", "trialarm", "trialenrolment"]


def _relabel(apps, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, old="cases", new="trials")


def backwards(apps, schema_editor):
    _relabel(apps, old="trials", new="cases")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("trials", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
