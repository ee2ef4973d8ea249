"""yiwang import houses FILE.xlsx [--actor USERNAME] [--dry-run] [--errors PATH]"""

from yiwang.basedata.management.commands._base import ImportCommand


class Command(ImportCommand):
    kind = "houses"
    help = "从 .xlsx 导入房屋：坏行连同行号和原因写入错误报告，好行照常导入。"
