"""The reference rules as data: size classes (2017 rule), the 亩均 arithmetic, policy rules."""

import json

import pytest
from django.core.management import call_command

from yiwang.core.errors import ValidationFailed
from yiwang.economy import evaluation as ev
from yiwang.economy import rules
from yiwang.economy.industries import DIVISIONS, SECTIONS, section_of, size_class


def test_gbt4754_has_97_divisions_in_20_sections():
    assert len(DIVISIONS) == 97 and len(SECTIONS) == 20
    assert section_of("13") == "C" and section_of("65") == "I" and section_of("97") == "T"
    assert {section_of(code) for code in DIVISIONS} == set(SECTIONS)


@pytest.mark.parametrize(
    "division, employees, revenue, assets, expected",
    [
        ("36", 1000, 40000, None, "large"),  # 工业: X ≥ 1000 and Y ≥ 40000
        ("36", 999, 90000, None, "medium"),  # one bound missed: one class down
        ("36", 300, 2000, None, "medium"),
        ("36", 20, 300, None, "small"),
        ("36", 19, 5000, None, "micro"),
        ("52", 50, 500, None, "medium"),  # 零售业
        ("51", 5, 1000, None, "small"),  # 批发业
        ("01", 0, 20000, None, "large"),  # 农林牧渔: Y only
        ("48", 10, 6000, 5000, "medium"),  # 建筑业: Y and Z
        ("48", 10, 6000, None, ""),  # assets needed and missing
        ("83", 120, 0, None, "medium"),  # 其他未列明行业: X only
    ],
)
def test_size_class_2017(division, employees, revenue, assets, expected):
    assert size_class(division, employees=employees, revenue=revenue, assets=assets) == expected


def _firm(i, tax, land=10.0, energy=10.0, above=True, reason=""):
    return ev.FirmInput(i, tax * 20, tax, energy, land, 10, above, reason)


def test_twenty_firms_give_the_default_shares_and_ties_share_a_class():
    firms = [_firm(i, float(i)) for i in range(1, 21)]
    outcomes, benchmarks, counts = ev.evaluate(
        firms, weights=ev.DEFAULT_WEIGHTS, cutoffs=ev.DEFAULT_CUTOFFS, factor=2.0
    )
    assert counts == {"A": 4, "B": 8, "C": 7, "D": 1, "T": 0}
    by_id = {o.firm_id: o for o in outcomes}
    assert by_id[20].rank == 1 and by_id[1].klass == "D"
    tied = [_firm(i, 5.0) for i in range(1, 6)]
    outcomes, _, counts = ev.evaluate(
        tied, weights=ev.DEFAULT_WEIGHTS, cutoffs=ev.DEFAULT_CUTOFFS, factor=2.0
    )
    assert counts["A"] == 5 and {o.rank for o in outcomes} == {1}


def test_no_energy_used_scores_full_marks_and_missing_land_is_t():
    firms = [_firm(1, 10.0, energy=0.0), _firm(2, 10.0), _firm(3, 10.0, land=0.0)]
    outcomes, _, counts = ev.evaluate(
        firms, weights=ev.DEFAULT_WEIGHTS, cutoffs=ev.DEFAULT_CUTOFFS, factor=2.0
    )
    by_id = {o.firm_id: o for o in outcomes}
    assert by_id[1].facts["indicators"]["tax_per_energy"] == [None, 20.0]
    assert by_id[1].score > by_id[2].score
    assert by_id[3].klass == "T" and by_id[3].facts["reason"] == "缺少用地面积"
    assert counts["T"] == 1


@pytest.mark.parametrize(
    "weights",
    [{"tax_per_mu": 45, "revenue_per_mu": 35, "tax_per_energy": 19.9}, {"x": 100}, {},
     {"tax_per_mu": 120, "revenue_per_mu": -20}, {"tax_per_mu": "abc"}],
)  # fmt: skip
def test_bad_weights(weights):
    with pytest.raises(ValidationFailed):
        ev.clean_weights(weights)


def test_bad_cutoffs():
    for cutoffs in ({"A": 60, "B": 20, "C": 95}, {"A": 20, "B": 60}, {"A": 20, "B": 60, "C": 100}):
        with pytest.raises(ValidationFailed):
            ev.clean_cutoffs(cutoffs)
    assert ev.clean_cutoffs({"A": "10", "B": 50, "C": 90}) == {"A": 10.0, "B": 50.0, "C": 90.0}


def test_policy_rules():
    rule = {
        "all": [
            {"field": "size_class", "op": "in", "value": ["small", "micro"]},
            {"not": {"field": "evaluation_class", "op": "eq", "value": "D"}},
            {"any": [{"field": "tax", "op": "gte", "value": 50}, {"field": "above_scale",
                                                                   "op": "eq", "value": True}]},
        ]
    }  # fmt: skip
    rules.validate_rule(rule)
    facts = {"size_class": "small", "evaluation_class": "B", "tax": 60, "above_scale": False}
    assert rules.evaluate(rule, facts)
    assert not rules.evaluate(rule, {**facts, "evaluation_class": "D"})
    assert not rules.evaluate(rule, {**facts, "tax": None})
    for bad in ({"field": "eval", "op": "eq", "value": 1}, {"field": "tax", "op": "like"},
                {"all": []}, {"field": "tax", "op": "in", "value": 3}, "tax > 3"):  # fmt: skip
        with pytest.raises(ValidationFailed):
            rules.validate_rule(bad)


@pytest.mark.django_db
def test_bench_evaluation_prints_one_json_line(capsys):
    call_command("bench_evaluation", "--firms", "200", "--in-place")
    line = capsys.readouterr().out.strip()
    result = json.loads(line)
    assert result["firms"] == 200 and result["seconds"] > 0
    assert sum(result["counts"].values()) > 0
