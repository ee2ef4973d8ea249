"""yiwang demo: migrate, load the demo street (唯亭街道), print the logins, serve."""

import os
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "yiwang-demo"
DEMO_LOGINS = [
    ("admin", "系统管理员（后台 /admin/）"),
    ("leader", "街道领导（指挥中心大屏）"),
    ("dispatcher", "指挥中心坐席（指挥调度台）"),
    ("gridworker", "网格员（31.3700N 120.7800E 所在网格）"),
    ("gridworker2", "第二名网格员（另一网格，演示巡查轨迹）"),
    ("zhuanyuan", "党群专员（入户走访）"),
    ("zhifa", "综合行政执法局（执法案件、部门待办）"),
    ("zhifa2", "第二名持证执法队员"),
    ("fazhi", "法制审核"),
    ("shiye", "社会事业局（部门待办、审批）"),
    ("jingfa", "经济发展局（企业服务台）"),
    ("window", "综窗人员"),
    ("resident", "居民"),
    ("qiye", "企业用户（我的企业）"),
]


def demo_modules():
    """Each app may have a `demo` module with `load(stdout)`; they run in INSTALLED_APPS order."""
    for app in settings.INSTALLED_APPS:
        if app.startswith("yiwang.") and find_spec(f"{app}.demo"):
            yield import_module(f"{app}.demo")


class Command(BaseCommand):
    help = "载入演示街道（唯亭街道）并启动服务。Load the demo street and serve."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-serve", action="store_true", help="只载入数据，不启动服务")

    def handle(self, *args, port, host, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        for module in demo_modules():
            module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。演示账号（密码均为 yiwang-demo）："))
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<12} {role}")
        if not no_serve:
            call_command("serve", port=port, host=host)
