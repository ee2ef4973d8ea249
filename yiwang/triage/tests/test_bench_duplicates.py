"""`yiwang bench duplicates` on the real messages (skips where ../shared/data is absent)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from yiwang.triage.management.commands.bench_duplicates import JUDGED, estimate


def test_bench_prints_precision_and_recall_per_threshold(shared_data):
    path = shared_data / "tipdm2020-gov-messages" / "hotspot_messages_raw.csv"
    if not path.is_file():
        pytest.skip(f"real data not available: {path} is absent")
    out = io.StringIO()
    call_command(
        "bench_duplicates", "--data", str(path), "--limit", "400", "--checks", "5", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["messages"] == 400 and result["pairs_in_window"] > 0
    assert [t["threshold"] for t in result["thresholds"]] == [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    assert len(result["bands"]) == 7 and result["check_ms"] > 0
    assert JUDGED.is_file()


def test_estimate_scales_each_band_by_its_size():
    import numpy as np

    scores = np.array([0.15] * 100 + [0.55] * 10 + [0.9] * 10)
    judged = [(0.1, 1), (0.1, 0), (0.5, 1), (0.7, 1)]
    result = estimate(scores, judged)
    at_half = next(t for t in result["thresholds"] if t["threshold"] == 0.5)
    assert at_half["pairs"] == 20 and at_half["precision"] == 1.0
    assert at_half["recall"] == round(20 / (50 + 20), 3)
