from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("series", models.CharField(max_length=40, verbose_name="文书系列")),
                ("year", models.PositiveIntegerField(verbose_name="年度")),
                ("last", models.PositiveIntegerField(default=0, verbose_name="已用到的号")),
            ],
            options={
                "verbose_name": "文书编号",
                "verbose_name_plural": "文书编号",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("series", "year"), name="core_docseq_series_year"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="VoidedNumber",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("series", models.CharField(max_length=40, verbose_name="文书系列")),
                ("year", models.PositiveIntegerField(verbose_name="年度")),
                ("number", models.PositiveIntegerField(verbose_name="号")),
                ("reason", models.CharField(max_length=200, verbose_name="作废原因")),
                ("voided_at", models.DateTimeField(auto_now_add=True, verbose_name="作废时间")),
            ],
            options={
                "verbose_name": "作废文书编号",
                "verbose_name_plural": "作废文书编号",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("series", "year", "number"),
                        name="core_voided_series_year_number",
                    )
                ],
            },
        ),
    ]
