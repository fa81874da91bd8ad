"""Data migration: the default caseload policy per role (docs/api.md, docs/domain.md)."""

from django.db import migrations

DEFAULT_CAPS = {
    "standard": 100,
    "business_consultant": 50,
    "flere_skal_med": 45,
    "psychiatric": 25,
    "trial": 50,
}


def seed(apps, schema_editor):
    CaseloadPolicy = apps.get_model("staff", "CaseloadPolicy")
    for role, cap in DEFAULT_CAPS.items():
        CaseloadPolicy.objects.get_or_create(role=role, defaults={"cap": cap})


def unseed(apps, schema_editor):
    CaseloadPolicy = apps.get_model("staff", "CaseloadPolicy")
    CaseloadPolicy.objects.filter(role__in=DEFAULT_CAPS).delete()


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
