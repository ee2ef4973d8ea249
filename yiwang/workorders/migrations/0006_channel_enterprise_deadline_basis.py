from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0005_drop_redundant_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorderevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("report", "上报"),
                    ("triage", "转人工分拣"),
                    ("dispatch", "派遣"),
                    ("accept", "签收"),
                    ("return", "退回"),
                    ("assist", "吹哨（请求协办）"),
                    ("assist_accept", "协办报到"),
                    ("assist_complete", "协办完成"),
                    ("extend_request", "申请延期"),
                    ("extend_approve", "同意延期"),
                    ("extend_refuse", "不同意延期"),
                    ("complete", "处置完成"),
                    ("verify", "核查结案"),
                    ("reopen", "返工"),
                    ("supervise", "督办"),
                    ("sla_warning", "时限预警"),
                    ("sla_overdue", "超期督办"),
                    ("resolve_on_spot", "现场处置"),
                    ("merge", "合并"),
                    ("merged_in", "并入重复工单"),
                    ("cancel", "撤销"),
                    ("rate", "评价"),
                    ("deadline_recompute", "时限按正式放假安排重算"),
                ],
                max_length=30,
                verbose_name="操作",
            ),
        ),
        migrations.AlterField(
            model_name="workorder",
            name="channel",
            field=models.CharField(
                choices=[
                    ("resident", "居民上报"),
                    ("grid_worker", "网格员上报"),
                    ("hotline_12345", "12345热线"),
                    ("open311", "Open311接口"),
                    ("patrol", "巡查发现"),
                    ("staff", "工作人员录入"),
                    ("enterprise", "企业诉求"),
                ],
                max_length=20,
                verbose_name="来源渠道",
            ),
        ),
        migrations.AddField(
            model_name="workorder",
            name="limit_value",
            field=models.FloatField(blank=True, null=True, verbose_name="处置时限数值"),
        ),
        migrations.AddField(
            model_name="workorder",
            name="limit_unit",
            field=models.CharField(
                blank=True,
                choices=[
                    ("minutes", "分钟"),
                    ("hours", "小时"),
                    ("work_hours", "工作时"),
                    ("work_days", "工作日"),
                    ("days", "自然日"),
                ],
                max_length=12,
                verbose_name="处置时限单位",
            ),
        ),
        migrations.AddField(
            model_name="workorder",
            name="deadline_provisional",
            field=models.BooleanField(
                default=False,
                help_text="时限落在节假日安排尚未录入的年份，按预估日历计算；录入该年后重新计算",
                verbose_name="时限为预估",
            ),
        ),
    ]
