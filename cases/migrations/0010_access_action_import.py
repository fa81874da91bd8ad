# The access log names imports as such (they were logged as views).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_case_anonymised"),
    ]

    operations = [
        migrations.AlterField(
            model_name="citizenaccess",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("list", "Listed"),
                    ("search", "Search hit"),
                    ("export", "Exported"),
                    ("reveal", "Full CPR number revealed"),
                    ("cpr_change", "CPR number changed"),
                    ("import", "Imported"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
