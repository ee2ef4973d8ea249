"""亩均效益评价: the arithmetic of a yearly evaluation, free of the database.

Method (苏政发〔2017〕143号《关于开展工业企业资源集约利用综合评价工作的指导意见》 and city rules
such as 淮安 2024 办法; ../shared/anchors.md D4):

- in scope: 规上 firms, and firms below scale using at least `min_land_mu` 亩 (default 3);
- indicators (default weights): 亩均税收 45 %, 亩均销售收入 35 %, 单位能耗税收 20 %;
- each indicator's benchmark (基准值) = `benchmark_factor` (default 2) × the mean over the rated
  firms; its score = min(value ÷ benchmark, 1) × weight; a firm's score is the sum (0–100);
- classes by rank among the rated firms, best first, by cumulative share (default A top 20 %,
  B to 60 %, C to 95 %, D the bottom 5 %); firms with the same score share a class;
- T (not rated): firms exempt by rule (公用事业), founded less than two years before the end of
  the year, or lacking a figure an indicator needs (land, energy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from yiwang.core.errors import ValidationFailed

INDICATORS = {
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "revenue_per_mu": ("亩均销售收入", "万元/亩"),
    "tax_per_energy": ("单位能耗税收", "万元/吨标准煤"),
    "revenue_per_employee": ("全员劳动生产率", "万元/人"),
}
DEFAULT_WEIGHTS = {"tax_per_mu": 45, "revenue_per_mu": 35, "tax_per_energy": 20}
DEFAULT_CUTOFFS = {"A": 20, "B": 60, "C": 95}
CLASSES = ("A", "B", "C", "D", "T")


class FirmInput(NamedTuple):
    firm_id: int
    revenue: float
    tax: float
    energy: float | None
    land_mu: float
    employees: int
    above_scale: bool
    exempt_reason: str = ""


@dataclass(slots=True)
class FirmOutcome:
    firm_id: int
    klass: str
    score: float | None = None
    rank: int | None = None
    facts: dict = field(default_factory=dict)


def _fail(field_name: str, message: str):
    raise ValidationFailed(message, code="invalid_scheme", fields={field_name: [message]})


def _decimal(value, field_name: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _fail(field_name, f"{label}必须是数字。")
    if not number.is_finite():
        _fail(field_name, f"{label}必须是数字。")
    return number


def clean_weights(weights) -> dict:
    """Indicator → weight (%), known indicators only, each > 0, summing to exactly 100."""
    if not isinstance(weights, dict) or not weights:
        _fail("weights", '指标权重必须是非空对象，如 {"tax_per_mu": 45, …}。')
    unknown = sorted(set(weights) - set(INDICATORS))
    if unknown:
        _fail("weights", f"未知的评价指标：{'、'.join(unknown)}（可用：{'、'.join(INDICATORS)}）。")
    cleaned = {}
    for key, value in weights.items():
        number = _decimal(value, "weights", f"“{INDICATORS[key][0]}”的权重")
        if number <= 0:
            _fail("weights", f"“{INDICATORS[key][0]}”的权重必须大于 0。")
        cleaned[key] = float(number)
    total = sum(Decimal(str(v)) for v in cleaned.values())
    if total != 100:
        _fail("weights", f"各指标权重之和须为 100%，现为 {total.normalize():f}%。")
    return cleaned


def clean_cutoffs(cutoffs) -> dict:
    """Cumulative shares of A, B, C (%), 0 < A < B < C < 100; D takes the rest."""
    if not isinstance(cutoffs, dict) or set(cutoffs) != {"A", "B", "C"}:
        _fail(
            "cutoffs", '分类比例须给出 A、B、C 三类的累计百分比，如 {"A": 20, "B": 60, "C": 95}。'
        )
    values = [_decimal(cutoffs[k], "cutoffs", f"{k}类比例") for k in ("A", "B", "C")]
    if not 0 < values[0] < values[1] < values[2] < 100:
        _fail("cutoffs", "分类比例须满足 0 < A < B < C < 100（累计百分比）。")
    return {k: float(v) for k, v in zip(("A", "B", "C"), values, strict=True)}


INF = float("inf")


def _indicator_values(keys, firm: FirmInput) -> list:
    """The firm's value of each indicator; None when a figure it needs is missing or zero
    (no energy used at all counts as infinitely efficient: full marks)."""
    out = []
    for key in keys:
        if key == "tax_per_mu":
            out.append(firm.tax / firm.land_mu if firm.land_mu else None)
        elif key == "revenue_per_mu":
            out.append(firm.revenue / firm.land_mu if firm.land_mu else None)
        elif key == "tax_per_energy":
            energy = firm.energy
            out.append(None if energy is None else (INF if energy == 0 else firm.tax / energy))
        else:  # revenue_per_employee
            out.append(firm.revenue / firm.employees if firm.employees else None)
    return out


MISSING = {
    "tax_per_mu": "缺少用地面积",
    "revenue_per_mu": "缺少用地面积",
    "tax_per_energy": "缺少能耗数据",
    "revenue_per_employee": "缺少从业人员数",
}
BASIS = {True: "规上企业", False: "用地达标的规下企业"}


def evaluate(firms: list[FirmInput], *, weights: dict, cutoffs: dict, factor: float) -> tuple:
    """Score and class every firm. Returns (outcomes, benchmarks, counts).

    Each outcome's facts: the basis of its inclusion, its figures, and per indicator
    `[value, score]` (the benchmarks and weights are the run's); for T the reason."""
    keys = list(weights)
    rated, outcomes = [], []
    for firm in firms:
        facts = {
            "basis": BASIS[bool(firm.above_scale)],
            "figures": [firm.revenue, firm.tax, firm.energy, firm.land_mu, firm.employees],
        }
        outcome = FirmOutcome(firm.firm_id, "T", facts=facts)
        outcomes.append(outcome)
        values = _indicator_values(keys, firm)
        if firm.exempt_reason:
            facts["reason"] = firm.exempt_reason
        elif None in values:
            missing = [MISSING[k] for k, v in zip(keys, values, strict=True) if v is None]
            facts["reason"] = "；".join(dict.fromkeys(missing))
        else:
            rated.append((outcome, values))
    benchmarks = {}
    for i, key in enumerate(keys):
        finite = [v[i] for _, v in rated if v[i] != INF]
        mean = sum(finite) / len(finite) if finite else 0.0
        benchmarks[key] = round(factor * mean, 4)
    scales = [(weights[k], 1.0 / benchmarks[k] if benchmarks[k] > 0 else 0.0) for k in keys]
    for outcome, values in rated:
        parts, total = {}, 0.0
        for key, value, (weight, scale) in zip(keys, values, scales, strict=True):
            if value == INF:
                ratio = 1.0
            else:
                ratio = value * scale if scale else 0.0
            part = weight if ratio >= 1.0 else ratio * weight
            total += part
            parts[key] = [None if value == INF else round(value, 4), round(part, 2)]
        outcome.score = round(total, 2)
        outcome.facts["indicators"] = parts
    _classify([o for o, _ in rated], cutoffs)
    counts = dict.fromkeys(CLASSES, 0)
    for outcome in outcomes:
        counts[outcome.klass] += 1
    return outcomes, benchmarks, counts


FIGURE_KEYS = ("revenue", "tax", "energy", "land_mu", "employees")


def explain(facts: dict, run_scheme: dict, benchmarks: dict) -> dict:
    """A result's facts spelled out for people: figures by name and, per indicator, its
    name, unit, value, benchmark, weight and score."""
    figures = dict(zip(FIGURE_KEYS, facts.get("figures") or [None] * 5, strict=True))
    indicators = {}
    for key, (value, score) in (facts.get("indicators") or {}).items():
        name, unit = INDICATORS[key]
        indicators[key] = {
            "name": name,
            "unit": unit,
            "value": value,
            "benchmark": benchmarks.get(key),
            "weight": run_scheme.get("weights", {}).get(key),
            "score": score,
        }
    out = {"basis": facts.get("basis", ""), "figures": figures, "indicators": indicators}
    if facts.get("reason"):
        out["reason"] = facts["reason"]
    return out


def _classify(rated: list[FirmOutcome], cutoffs: dict) -> None:
    rated.sort(key=lambda o: (-o.score, o.firm_id))
    n = len(rated)
    previous = None
    for index, outcome in enumerate(rated):
        outcome.rank = index + 1
        if previous is not None and previous.score == outcome.score:
            outcome.klass = previous.klass  # ties share a class
            outcome.rank = previous.rank
        else:
            share = index / n * 100
            outcome.klass = next((k for k in ("A", "B", "C") if share < cutoffs[k]), "D")
        previous = outcome
