from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0006_channel_enterprise_deadline_basis"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="no_photo_reason",
            field=models.CharField(
                blank=True,
                help_text="办结时没有照片必须写明原因",
                max_length=500,
                verbose_name="未上传处置照片的原因",
            ),
        ),
        migrations.AlterField(
            model_name="extensionrequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待审批"),
                    ("approved", "已同意"),
                    ("refused", "不同意"),
                    ("closed", "工单已办结，申请关闭"),
                ],
                default="pending",
                max_length=10,
                verbose_name="状态",
            ),
        ),
    ]
