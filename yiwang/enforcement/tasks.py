"""Background work of 综合执法, run by the worker (`yiwang worker`)."""

from __future__ import annotations

from yiwang.enforcement import services


def deadline_sweep() -> dict:
    """Mark statutory limits past due as overdue and notify the officers (督办). Meant to be
    scheduled every few minutes; safe on several machines (compare-and-set per limit)."""
    return services.case_deadline_sweep()
