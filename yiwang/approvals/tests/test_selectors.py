"""Selectors: data scope per persona, the window queue, my steps, query counts."""

import pytest

from yiwang.approvals import selectors, services
from yiwang.approvals.models import Application
from yiwang.approvals.tests.conftest import submit_restaurant

pytestmark = pytest.mark.django_db


def test_grid_worker_b_cannot_see_grid_worker_a_application(users):
    """网格员乙 cannot see what 网格员甲 applied for (as a citizen) and vice versa."""
    app = services.application_submit(
        actor=users["grid_a"],
        item="320576052-20-0201",
        street="320571001",
        form={
            "applicant_name": "网格员甲",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "address": "网格A",
        },
        materials=[services.MaterialInput(key="id_card", filename="i.pdf", content=b"%PDF-1.4 x")],
    )
    assert list(selectors.application_list(user=users["grid_a"])) == [app]
    assert list(selectors.application_list(user=users["grid_b"])) == []


def test_window_queue_and_steps(users):
    app = submit_restaurant(users)
    queue = selectors.window_queue(user=users["window"])
    assert queue["to_accept"] == [app]
    assert selectors.window_queue(user=users["window_other"])["to_accept"] == []
    services.application_accept(actor=users["window"], application=app, version=1)
    queue = selectors.window_queue(user=users["window"])
    assert queue["accepted_today"] == 1 and queue["in_review"] == [
        Application.objects.get(pk=app.pk)
    ]
    mine = list(selectors.step_list(user=users["jingfa"]))
    assert [s.name for s in mine] == ["材料审查"]
    assert list(selectors.step_list(user=users["shiye"])) == []
    assert list(selectors.step_list(user=users["window"])) == []


def test_application_list_query_count(users, django_assert_max_num_queries):
    for _ in range(3):
        submit_restaurant(users)
    with django_assert_max_num_queries(3):
        apps = list(selectors.application_list(user=users["window"], filters={"top": "1"}))
    assert len(apps) == 3


def test_kpis_query_count_is_bounded(users, django_assert_max_num_queries):
    for _ in range(3):
        submit_restaurant(users)
    with django_assert_max_num_queries(16):
        selectors.approval_kpis(user=users["leader"])
