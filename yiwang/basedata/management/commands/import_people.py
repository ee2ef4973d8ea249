"""yiwang import people FILE.xlsx [--actor USERNAME] [--dry-run] [--errors PATH]"""

from yiwang.basedata.management.commands._base import ImportCommand


class Command(ImportCommand):
    kind = "people"
    help = "从 .xlsx 导入人口：坏行连同行号和原因写入错误报告，好行照常导入。"
