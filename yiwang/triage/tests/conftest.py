"""Fixtures of the triage tests: the work-order tests' street, rules and `report` helper."""

from yiwang.workorders.tests.conftest import _media_root, calendar_2027, report, rules  # noqa: F401
