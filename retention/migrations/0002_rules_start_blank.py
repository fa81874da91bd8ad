"""One rule per kind of record, blank: nothing is deleted until an administrator sets one."""

from django.db import migrations

KINDS = ("closed_case", "citizen", "access_log")


def create_rules(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for kind in KINDS:
        RetentionRule.objects.get_or_create(kind=kind, defaults={"years": None})


def remove_blank_rules(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.filter(kind__in=KINDS, years__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_blank_rules)]
