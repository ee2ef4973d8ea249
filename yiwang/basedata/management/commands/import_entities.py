"""yiwang import entities FILE.xlsx [--actor USERNAME] [--dry-run] [--errors PATH]"""

from yiwang.basedata.management.commands._base import ImportCommand


class Command(ImportCommand):
    kind = "entities"
    help = "从 .xlsx 导入法人：坏行连同行号和原因写入错误报告，好行照常导入。"
