"""The benchmarks run end to end (tiny sizes, in the test database) and print their figures."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_bench_visits_prints_due_lists_and_coverage():
    out = io.StringIO()
    call_command("bench_visits", households=300, per_worker=100, in_place=True, stdout=out)
    data = json.loads(out.getvalue())
    assert data["households"] == 300 and data["specialists"] == 3
    assert 0 < data["due_rows"] < 300 and 0 < data["coverage_rate"] < 1
    assert data["total_s"] == pytest.approx(data["due_all_s"] + data["coverage_s"], abs=0.002)


def test_bench_patrols_prints_points_per_second():
    out = io.StringIO()
    call_command("bench_patrols", points=2000, patrols=2, batch=100, in_place=True, stdout=out)
    data = json.loads(out.getvalue())
    assert data["points"] == 2000 and data["stored"] == 2000 and data["points_per_s"] > 0
