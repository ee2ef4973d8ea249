"""System management: the responsibility list is versioned through the admin too."""

from __future__ import annotations

import pytest

from yiwang.workorders.models import Category, ResponsibilityRule

pytestmark = pytest.mark.django_db


def test_admin_pages_render(world, rules, client):
    client.force_login(world.users["admin"])
    for url in [
        "/admin/workorders/category/",
        "/admin/workorders/responsibilityrule/",
        f"/admin/workorders/responsibilityrule/{rules.garage.pk}/change/",
        "/admin/workorders/workorder/",
        "/admin/workorders/workorderevent/",
    ]:
        assert client.get(url).status_code == 200, url


def test_editing_a_rule_in_the_admin_publishes_a_new_version(world, rules, client):
    client.force_login(world.users["admin"])
    garage = rules.garage
    response = client.post(
        f"/admin/workorders/responsibilityrule/{garage.pk}/change/",
        {
            "category": garage.category_id,
            "region_prefix": "",
            "primary_department": world.department2.pk,
            "cooperating_departments": [world.department.pk],
            "limit_value": "5",
            "limit_unit": "work_days",
            "filing_criteria": "",
            "closing_criteria": "",
            "note": "改由社会事业局主办",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    versions = ResponsibilityRule.objects.filter(category=garage.category).order_by("version")
    assert [(r.version, r.is_current) for r in versions] == [(1, False), (2, True)]
    old, new = versions
    assert old.primary_department == world.department and old.limit_value == 3
    assert new.primary_department == world.department2 and new.supersedes == old
    assert list(new.cooperating_departments.all()) == [world.department]
    old_page = client.get(f"/admin/workorders/responsibilityrule/{old.pk}/change/")
    assert old_page.status_code == 200 and b'name="limit_value"' not in old_page.content


def test_categories_are_deactivated_not_deleted(world, client):
    client.force_login(world.users["admin"])
    pk = Category.objects.get(code="09009").pk
    assert client.get(f"/admin/workorders/category/{pk}/delete/").status_code == 403
