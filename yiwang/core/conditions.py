"""Conditions as JSON rules (条件规则), evaluated against a dict of facts: the 适用条件 of an
approval step (against the application's form) and the 申报条件 of a 惠企政策 (against a firm's
profile) share this one language.

Never Python `eval`: a rule is data, checked by `validate_rule` when it is saved and interpreted
by `evaluate` when it is applied.

    {"field": "area", "op": "gt", "value": 50}
    {"all": [rule, ...]}      every rule holds
    {"any": [rule, ...]}      at least one holds
    {"not": rule}

Operators: eq, ne, gt, gte, lt, lte (numbers or strings), in, not_in (value is a list),
contains (field is a list or text), empty, not_empty (no value). A field missing from the form
is None: comparisons with None are false, `empty` is true.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from yiwang.core.errors import ValidationFailed

COMPARE = {"eq", "ne", "gt", "gte", "lt", "lte"}
LIST_OPS = {"in", "not_in"}
UNARY = {"empty", "not_empty"}
OPS = COMPARE | LIST_OPS | UNARY | {"contains"}
MAX_DEPTH = 8


def _fail(message: str, what: str = "condition", label: str = "适用条件"):
    raise ValidationFailed(
        f"{label}有误：{message}", code=f"invalid_{what}", fields={what: [message]}
    )


def validate_rule(
    rule, *, fields=None, what: str = "condition", label: str = "适用条件", depth: int = 0
) -> None:
    """Raise ValidationFailed unless `rule` is a well-formed rule (None means always). With
    `fields` (the names a rule may use), a rule naming any other field is refused. `what` and
    `label` name the rule in the error (field key, Chinese label)."""

    def fail(message):
        _fail(message, what, label)

    def sub_rule(sub):
        validate_rule(sub, fields=fields, what=what, label=label, depth=depth + 1)

    if rule is None:
        return
    if depth > MAX_DEPTH:
        fail("嵌套层数过多")
    if not isinstance(rule, dict):
        fail("规则必须是 JSON 对象")
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        if set(rule) != {key} or not isinstance(rule[key], list) or not rule[key]:
            fail(f"“{key}”必须是非空列表，且不能与其他键并列")
        for sub in rule[key]:
            sub_rule(sub)
        return
    if "not" in rule:
        if set(rule) != {"not"}:
            fail("“not”不能与其他键并列")
        sub_rule(rule["not"])
        return
    field, op = rule.get("field"), rule.get("op")
    if not isinstance(field, str) or not field:
        fail("缺少字段名 field")
    if fields is not None and field not in fields:
        fail(f"未知的字段 {field!r}（可用：{', '.join(fields)}）")
    if op not in OPS:
        fail(f"不支持的运算符 {op!r}（可用：{', '.join(sorted(OPS))}）")
    extra = set(rule) - {"field", "op", "value"}
    if extra:
        fail(f"未知的键 {', '.join(sorted(extra))}")
    if op in UNARY:
        return
    if "value" not in rule:
        fail(f"运算符 {op} 需要 value")
    if op in LIST_OPS and not isinstance(rule["value"], list):
        fail(f"运算符 {op} 的 value 必须是列表")


def _number(value):
    """A finite Decimal, or None: "NaN" and "Infinity" are not numbers a form can compare."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except (InvalidOperation, ValueError):
            return None
    else:
        return None
    return number if number.is_finite() else None


def _compare(op: str, left, right) -> bool:
    if left is None:
        return op == "ne" and right is not None
    ln, rn = _number(left), _number(right)
    if ln is not None and rn is not None:
        left, right = ln, rn
    elif op in {"gt", "gte", "lt", "lte"}:
        if not (isinstance(left, str) and isinstance(right, str)):
            return False
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if op == "gt":
        return left > right
    if op == "gte":
        return left >= right
    if op == "lt":
        return left < right
    return left <= right


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def evaluate(rule, form: dict) -> bool:
    """Whether `rule` holds for `form`. A None rule always holds."""
    if rule is None:
        return True
    if "all" in rule:
        return all(evaluate(sub, form) for sub in rule["all"])
    if "any" in rule:
        return any(evaluate(sub, form) for sub in rule["any"])
    if "not" in rule:
        return not evaluate(rule["not"], form)
    value = form.get(rule["field"])
    op = rule["op"]
    if op == "empty":
        return _is_empty(value)
    if op == "not_empty":
        return not _is_empty(value)
    target = rule.get("value")
    if op in COMPARE:
        return _compare(op, value, target)
    if op == "in":
        if value in target:
            return True
        number = _number(value)
        return number is not None and number in {_number(t) for t in target}
    if op == "not_in":
        return not evaluate({"field": rule["field"], "op": "in", "value": target}, form)
    if op == "contains":
        if isinstance(value, list):
            return target in value
        if isinstance(value, str) and isinstance(target, str):
            return target in value
        return False
    return False
