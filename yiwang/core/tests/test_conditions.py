"""Step conditions: JSON rules, validated and evaluated without eval."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.conditions import evaluate, validate_rule
from yiwang.core.errors import ValidationFailed

FORM = {"area": 60, "cooking": "热食类食品制售", "tags": ["夜宵"], "lit": False, "note": ""}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (None, True),
        ({"field": "area", "op": "gt", "value": 50}, True),
        ({"field": "area", "op": "lte", "value": "50"}, False),
        ({"field": "cooking", "op": "eq", "value": "热食类食品制售"}, True),
        ({"field": "cooking", "op": "in", "value": ["冷食类食品制售", "仅饮品制售"]}, False),
        ({"field": "area", "op": "in", "value": ["60"]}, True),
        ({"field": "tags", "op": "contains", "value": "夜宵"}, True),
        ({"field": "note", "op": "empty"}, True),
        ({"field": "missing", "op": "gt", "value": 1}, False),
        ({"field": "missing", "op": "ne", "value": 1}, True),
        (
            {
                "all": [
                    {"field": "area", "op": "gt", "value": 50},
                    {"not": {"field": "lit", "op": "eq", "value": True}},
                ]
            },
            True,
        ),
        (
            {
                "any": [
                    {"field": "area", "op": "lt", "value": 10},
                    {"field": "cooking", "op": "not_in", "value": ["热食类食品制售"]},
                ]
            },
            False,
        ),
    ],
)
def test_evaluate(rule, expected):
    validate_rule(rule)
    assert evaluate(rule, FORM) is expected


@pytest.mark.parametrize(
    "rule",
    [
        "__import__('os').system('x')",
        {"field": "a", "op": "exec", "value": 1},
        {"field": "a", "op": "gt"},
        {"field": "a", "op": "in", "value": "x"},
        {"all": []},
        {"all": [{"field": "a", "op": "eq", "value": 1}], "field": "b"},
        {"field": "", "op": "eq", "value": 1},
        {"field": "a", "op": "eq", "value": 1, "code": "print(1)"},
    ],
)
def test_invalid_rules_are_refused(rule):
    with pytest.raises(ValidationFailed) as exc:
        validate_rule(rule)
    assert exc.value.code == "invalid_condition"


def test_depth_limit():
    rule = {"field": "a", "op": "empty"}
    for _ in range(12):
        rule = {"not": rule}
    with pytest.raises(ValidationFailed):
        validate_rule(rule)


@given(
    st.dictionaries(
        st.sampled_from(["area", "cooking", "x"]),
        st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()),
    )
)
def test_evaluate_never_raises_on_any_form(form):
    rule = {
        "any": [
            {"field": "area", "op": "gte", "value": 10},
            {"field": "cooking", "op": "contains", "value": "热"},
            {"field": "x", "op": "in", "value": [1, "a"]},
        ]
    }
    assert evaluate(rule, form) in (True, False)


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "sNaN", float("nan")])
def test_non_finite_numbers_never_satisfy_a_comparison(value):
    rule = {"field": "area", "op": "gte", "value": 10}
    assert evaluate(rule, {"area": value}) is False
