"""Fixtures of the command-center tests: the `world` street, the work-order rules and an
order factory (from the work-order tests), and a few orders in grids A and B."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.workorders.tests.conftest import (  # noqa: F401 (fixtures)
    IN_A,
    IN_B,
    _media_root,
    calendar_2027,
    rules,
)
from yiwang.workorders.tests.conftest import report as report  # noqa: F401 (fixture)


@pytest.fixture
def orders(world, report):
    """Three open orders in grid A (one of them overdue) and one in grid B."""
    from yiwang.workorders.models import WorkOrder

    a1, a2, a3 = report(), report(category="09009"), report(category="06001")
    b1 = report(lon=IN_B[0], lat=IN_B[1], actor=world.users["grid_b"])
    WorkOrder.objects.filter(pk=a1.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


@pytest.fixture
def evaluated(world):
    """Ten firms with last year's figures (economy's test street) and an evaluation run."""
    from decimal import Decimal

    from yiwang.economy import services as economy
    from yiwang.economy.tests.conftest import add_firm

    year = dt.date.today().year - 1
    firms = [
        add_firm(
            i,
            grid=world.regions["A" if i % 2 else "B"],
            year=year,
            revenue=Decimal(1000 * i),
            tax=Decimal(50 * i),
            energy=Decimal(10 * i),
            land_mu=Decimal(10),
            employees=20 * i,
        )
        for i in range(1, 11)
    ]
    entity = firms[0].entity
    entity.lon = entity.lat = None  # a firm without a point is counted, not drawn
    entity.save(update_fields=["lon", "lat"])
    run = economy.evaluation_run(actor=world.users["leader"], year=year)
    return run, firms
