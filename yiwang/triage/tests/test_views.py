"""智能分拣 on the pages: the dispatcher's board moved with its tests to the command centre's
console (yiwang/command/tests/test_console.py). What stays here is the hook triage fills in
workorders (TriageConfig.ready → workorders.links): the order page's 疑似重复 hint, shown to
the dispatcher only, gone once the flag is dismissed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.triage.duplicates import duplicate_flag_dismiss
from yiwang.triage.models import DuplicateFlag
from yiwang.triage.selectors import duplicate_links
from yiwang.workorders import links
from yiwang.workorders.tests.conftest import IN_A

pytestmark = pytest.mark.django_db
TEXT = "青剑湖花园 12 幢楼下路边暴露垃圾，气味很大"


def test_triage_fills_the_order_link_hook():
    assert duplicate_links in links._providers


def test_the_order_page_shows_the_duplicate_hint_to_the_dispatcher(client, world, report):
    master = report(description=TEXT, category="06010")
    twin = report(description=TEXT + "！", category="06010", lat=IN_A[1] + 0.0003)
    flag = DuplicateFlag.objects.get(order=twin)
    url = reverse("workorders:detail", args=[twin.pk])
    client.force_login(world.users["dispatcher"])
    html = client.get(url).content.decode()
    assert f"疑似重复：{master.code}" in html and "相似度 100%" in html and "相距 33 米" in html
    assert f'href="/wo/{master.pk}/"' in html
    for persona in ("shiye", "grid_a"):  # the machine's guess is the dispatcher's to decide
        client.force_login(world.users[persona])
        page = client.get(url)
        assert page.status_code == 200 and "疑似重复" not in page.content.decode()
    duplicate_flag_dismiss(actor=world.users["dispatcher"], flag=flag.pk)
    client.force_login(world.users["dispatcher"])
    assert "疑似重复" not in client.get(url).content.decode()
