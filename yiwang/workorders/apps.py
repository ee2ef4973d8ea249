from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "yiwang.workorders"
    label = "workorders"
    verbose_name = "工单（指挥调度）"

    def ready(self):
        from yiwang.core.workdays import calendar_year_entered
        from yiwang.workorders import refdata

        refdata.connect()
        calendar_year_entered.connect(_recompute_deadlines, dispatch_uid="workorders-deadlines")


def _recompute_deadlines(sender, *, years, actor=None, **kwargs):
    from yiwang.workorders.services import work_order_deadlines_recompute

    work_order_deadlines_recompute(actor=actor, years=years)
