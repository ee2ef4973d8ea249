"""yiwang export houses FILE.xlsx [--actor USERNAME [--unmasked --purpose TEXT]] [filters]"""

from yiwang.basedata.management.commands._base import ExportCommand


class Command(ExportCommand):
    kind = "houses"
    help = "导出房屋为 .xlsx（默认脱敏；明文导出须有权角色并填写用途，记入审计日志）。"
