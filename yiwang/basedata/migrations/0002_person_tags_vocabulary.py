"""The controlled vocabulary of person tags (人员标签)."""

from django.db import migrations

TAGS = [
    ("独居老人", "独自居住的老年人，需定期走访"),
    ("空巢老人", "子女不在身边的老年人"),
    ("残疾人", "持残疾人证"),
    ("低保", "最低生活保障对象"),
    ("特困供养", "特困人员救助供养对象"),
    ("重点人员", "需重点关注的人员"),
    ("留守儿童", "父母外出务工的未成年人"),
    ("退役军人", "退役军人及其他优抚对象"),
    ("流动人口", "非本地户籍的常住人口"),
]


def add_tags(apps, schema_editor):
    PersonTag = apps.get_model("basedata", "PersonTag")
    for order, (name, description) in enumerate(TAGS):
        PersonTag.objects.get_or_create(
            name=name, defaults={"description": description, "sort_order": order}
        )


def remove_tags(apps, schema_editor):
    PersonTag = apps.get_model("basedata", "PersonTag")
    PersonTag.objects.filter(name__in=[n for n, _ in TAGS], people__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("basedata", "0001_initial")]

    operations = [migrations.RunPython(add_tags, remove_tags)]
