"""Retention (#17): a closed case may lose its citizen when the personal data is deleted,
and says when. Expand-only: a new nullable column, NOT NULL dropped from `citizen_id`, and a
check that only an anonymised closed case has no citizen (every existing row has one)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_access_action_cpr_change'),
        ('staff', '0005_caseworker_external_id'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='anonymised_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='anonymised'),
        ),
        migrations.AlterField(
            model_name='case',
            name='citizen',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='cases.citizen', verbose_name='citizen'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('citizen__isnull', False), models.Q(('anonymised_at__isnull', False), ('status', 'closed')), _connector='OR'), name='case_citizen_unless_anonymised'),
        ),
    ]
