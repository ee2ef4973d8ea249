from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "yiwang.approvals"
    label = "approvals"
    verbose_name = "审批服务"

    def ready(self):
        from yiwang.accounts.models import Role
        from yiwang.approvals import cache
        from yiwang.core.views import register_workbench

        cache.connect()

        register_workbench({Role.RESIDENT}, "办事", "/approvals/")
        register_workbench({Role.WINDOW_CLERK}, "综窗受理", "/approvals/window/")
        register_workbench({Role.DEPARTMENT_STAFF}, "审批", "/approvals/review/")
        register_workbench({Role.LEADER}, "审批服务统计", "/approvals/kpis/")
