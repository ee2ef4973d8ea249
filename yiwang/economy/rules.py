"""Eligibility rules of policies (惠企政策申报条件) as JSON data, never `eval`.

The rule language is the kernel's (`yiwang/core/conditions.py`), shared with the 适用条件 of
approval steps:

    {"field": "size_class", "op": "in", "value": ["small", "micro"]}
    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}

Operators: eq, ne, gt, gte, lt, lte, in, not_in, contains, empty, not_empty. Unlike a form, a
firm profile has a fixed set of fields (`FIELDS`): a rule naming any other field is refused.
"""

from __future__ import annotations

from yiwang.core import conditions

FIELDS = {
    "kind": "法人类型（enterprise 企业 / individual 个体工商户）",
    "industry": "行业大类代码（GB/T 4754-2017，如 36）",
    "industry_section": "行业门类（如 C）",
    "size_class": "企业规模（large/medium/small/micro）",
    "above_scale": "规上企业（true/false）",
    "evaluation_class": "最新亩均评价分类（A/B/C/D/T）",
    "grid": "所属网格编码",
    "year": "最近年度数据的年份",
    "revenue": "营业收入（万元）",
    "tax": "实缴税金（万元）",
    "energy": "综合能耗（吨标准煤）",
    "land_mu": "用地面积（亩）",
    "employees": "从业人员（人）",
    "assets": "资产总额（万元）",
}


def validate_rule(rule) -> None:
    """Raise ValidationFailed unless `rule` is well formed and names only known fields."""
    conditions.validate_rule(rule, fields=FIELDS, what="rule", label="适用条件")


def evaluate(rule, facts: dict) -> bool:
    """Whether `rule` holds for a firm's `facts`. A None rule always holds."""
    return conditions.evaluate(rule, facts)
