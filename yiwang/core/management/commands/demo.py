"""yiwang demo: migrate, load the demo street (唯亭街道), print the logins, serve."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "yiwang-demo"
DEMO_LOGINS = [
    ("admin", "系统管理员"),
    ("leader", "街道领导"),
    ("dispatcher", "指挥中心坐席"),
    ("gridworker", "网格员（31.3700N 120.7800E 所在网格）"),
    ("zhifa", "综合行政执法局"),
    ("window", "综窗人员"),
    ("resident", "居民"),
]


def demo_modules():
    """Each app may have a `demo` module with `load(stdout)`; they run in INSTALLED_APPS order."""
    for app in settings.INSTALLED_APPS:
        if app.startswith("yiwang.") and find_spec(f"{app}.demo"):
            yield import_module(f"{app}.demo")


class Command(BaseCommand):
    help = "载入演示街道（唯亭街道）并启动服务。Load the demo street and serve."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
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
