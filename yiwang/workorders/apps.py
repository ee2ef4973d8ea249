from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "yiwang.workorders"
    label = "workorders"
    verbose_name = "工单（指挥调度）"

    def ready(self):
        from yiwang.workorders import refdata

        refdata.connect()
