import io

import pytest

from yiwang.basedata import services
from yiwang.basedata.models import Household, LegalEntity, Person
from yiwang.basedata.tests.helpers import GRID_A, bad_checksum, make_id
from yiwang.core.models import AuditEvent
from yiwang.core.validators import check_id_number, check_phone, check_uscc

pytestmark = pytest.mark.django_db


def test_admin_lists_masked_and_saves_audited(world, client):
    person = services.person_create(
        actor=None, name="张三", id_number=make_id(1), grid=GRID_A, phone="13812345678"
    )
    client.force_login(world.users["admin"])
    listing = client.get("/admin/basedata/person/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert make_id(1)[:6] + "********" in html and make_id(1) not in html
    assert "138****5678" in html and "13812345678" not in html
    change = client.get(f"/admin/basedata/person/{person.pk}/change/")
    assert change.status_code == 200
    assert make_id(1) not in change.content.decode()
    # add a person in the admin: ID checked, audited
    data = {
        "name": "李四",
        "new_id_number": bad_checksum(make_id(2)),
        "new_phone": "",
        "address": "",
        "grid": world.regions["A"].pk,
        "household": "",
        "relation": "",
        "colour": "",
        "colour_reason": "",
    }
    bad = client.post("/admin/basedata/person/add/", data)
    assert bad.status_code == 200 and "校验位" in bad.content.decode()
    data["new_id_number"] = make_id(2)
    ok = client.post("/admin/basedata/person/add/", data)
    assert ok.status_code == 302
    added = Person.objects.get(name="李四")
    assert added.id_number == make_id(2) and added.gender == "F"
    event = AuditEvent.objects.get(action="basedata.person.create", target_id=str(added.pk))
    assert event.note == "系统管理后台" and make_id(2) not in str(event.after)


def test_demo_loads_valid_synthetic_data_once(db):
    from yiwang.accounts import demo as accounts_demo
    from yiwang.basedata import demo
    from yiwang.grids import demo as grids_demo

    out = io.StringIO()
    accounts_demo.load(out)
    grids_demo.load(out)
    demo.load(out)
    people = Person.objects.filter(grid__code__startswith="320576052")
    count = people.count()
    assert 4000 < count < 9000
    assert Household.objects.filter(grid__code__startswith="320576052").count() == 2270
    sample = list(people.order_by("id")[:: max(1, count // 300)])
    assert all(check_id_number(p.id_number) is None for p in sample)
    local = {"320576", "320506"}
    assert all(
        p.id_number[:6] in local or "流动人口" in {t.name for t in p.tags.all()} for p in sample
    )
    assert all(check_phone(p.phone) is None for p in sample if p.phone)
    assert all(check_uscc(e.uscc) is None for e in LegalEntity.objects.all())
    assert people.filter(tags__name="独居老人").exists()
    assert people.filter(tags__name="残疾人").exists()
    assert people.exclude(colour="").exists()
    heads = Household.objects.filter(head__isnull=False).count()
    assert heads == Household.objects.count()
    # idempotent
    demo.load(out)
    assert Person.objects.filter(grid__code__startswith="320576052").count() == count
    assert "已存在" in out.getvalue()
    # the demo grid worker sees people of their own grid
    from yiwang.accounts.models import User

    gridworker = User.objects.get(username="gridworker")
    assert Person.objects.visible_to(gridworker).count() > 300
