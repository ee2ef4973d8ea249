from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "yiwang.approvals"
    label = "approvals"
    verbose_name = "审批服务"

    def ready(self):
        from yiwang.accounts.models import Role
        from yiwang.approvals import cache
        from yiwang.core.views import register_workbench
        from yiwang.core.workdays import calendar_year_entered

        cache.connect()
        calendar_year_entered.connect(_recompute_deadlines, dispatch_uid="approvals-deadlines")

        register_workbench({Role.RESIDENT}, "办事", "/approvals/", "building", 30)
        register_workbench({Role.WINDOW_CLERK}, "综窗受理", "/approvals/window/")
        register_workbench({Role.DEPARTMENT_STAFF}, "审批", "/approvals/review/")
        register_workbench({Role.LEADER}, "审批服务统计", "/approvals/kpis/")


def _recompute_deadlines(sender, *, years, actor=None, **kwargs):
    from yiwang.approvals.services import application_deadlines_recompute

    application_deadlines_recompute(actor=actor, years=years)
