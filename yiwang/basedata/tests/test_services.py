import pytest
from django.db import connection

from yiwang.basedata import services
from yiwang.basedata.models import House, LegalEntity, Person
from yiwang.basedata.tests.helpers import GRID_A, GRID_B, bad_checksum, make_id, make_uscc
from yiwang.core.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _person(world, n=1, grid=GRID_A, **kw):
    return services.person_create(
        actor=world.users["grid_a" if grid == GRID_A else "grid_b"],
        name=kw.pop("name", "张三"),
        id_number=make_id(n),
        grid=grid,
        phone=kw.pop("phone", "13812345678"),
        **kw,
    )


def test_create_person_derives_gender_and_birth_date_and_audits_masked(world):
    person = _person(world, 3, tags=["独居老人", "低保"])
    assert person.gender == "M"  # sequence 003 is odd
    assert person.birth_date.isoformat() == "1980-01-01"
    assert sorted(t.name for t in person.tags.all()) == ["低保", "独居老人"]
    event = AuditEvent.objects.get(action="basedata.person.create", target_id=str(person.pk))
    assert event.after["id_number"] == person.id_number_masked
    assert make_id(3) not in str(event.after) and "13812345678" not in str(event.after)


def test_id_number_and_phone_are_encrypted_at_rest(world):
    person = _person(world, 5)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_hash FROM basedata_person WHERE id = %s", [person.pk]
        )
        raw_id, raw_phone, id_hash = cur.fetchone()
    assert make_id(5) not in raw_id and "13812345678" not in raw_phone
    assert make_id(5) not in id_hash
    assert Person.objects.get(pk=person.pk).id_number == make_id(5)


def test_invalid_id_number_names_the_field(world):
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(
            actor=world.users["grid_a"],
            name="张三",
            id_number=bad_checksum(make_id(1)),
            grid=GRID_A,
        )
    assert "校验位" in exc.value.message and "id_number" in exc.value.fields


def test_duplicate_id_number_is_a_conflict(world):
    _person(world, 1)
    with pytest.raises(Conflict):
        _person(world, 1, name="李四")


def test_grid_worker_cannot_register_in_another_grid(world):
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(
            actor=world.users["grid_a"], name="张三", id_number=make_id(1), grid=GRID_B
        )
    assert "管辖范围" in exc.value.message


def test_department_staff_may_not_write(world):
    with pytest.raises(Forbidden):
        services.person_create(
            actor=world.users["zhifa"], name="张三", id_number=make_id(1), grid=GRID_A
        )


def test_update_with_stale_version_is_refused(world):
    person = _person(world, 1)
    services.person_update(actor=world.users["grid_a"], person=person, version=1, address="新址")
    with pytest.raises(StaleVersion):
        services.person_update(
            actor=world.users["grid_a"], person=person, version=1, address="另一个"
        )
    assert Person.objects.get(pk=person.pk).address == "新址"


def test_concurrent_edits_one_wins(world):
    """Two clients read version 1; the second write is refused, the first survives."""
    person = _person(world, 1)
    copy_a = Person.objects.get(pk=person.pk)
    copy_b = Person.objects.get(pk=person.pk)
    services.person_set_tags(actor=world.users["grid_a"], person=copy_a, version=1, tags=["低保"])
    with pytest.raises(StaleVersion):
        services.person_mark_colour(
            actor=world.users["grid_a"], person=copy_b, version=1, colour="red", reason="发热"
        )
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.version == 2 and fresh.colour == ""


def test_update_id_number_rehashes_and_rederives(world):
    person = _person(world, 1)
    new_id = make_id(2, birth="19900512")
    services.person_update(actor=world.users["grid_a"], person=person, version=1, id_number=new_id)
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.id_number == new_id and fresh.gender == "F"
    assert fresh.birth_date.isoformat() == "1990-05-12"
    assert Person.objects.filter(id_hash=fresh.id_hash).count() == 1


def test_colour_tag_is_its_own_audited_service(world):
    person = _person(world, 1)
    with pytest.raises(ValidationFailed):
        services.person_mark_colour(
            actor=world.users["grid_a"], person=person, version=1, colour="red", reason=""
        )
    services.person_mark_colour(
        actor=world.users["dispatcher"],
        person=person,
        version=1,
        colour="yellow",
        reason="中风险地区返回",
    )
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.colour == "yellow" and fresh.colour_marked_by == world.users["dispatcher"]
    event = AuditEvent.objects.get(action="basedata.person.colour")
    assert event.before == {"colour": "", "colour_reason": ""}
    assert event.after["colour"] == "yellow" and event.note == "中风险地区返回"
    with pytest.raises(Forbidden):
        services.person_mark_colour(
            actor=world.users["leader"], person=fresh, version=2, colour="green"
        )


def test_unknown_tag_is_rejected(world):
    person = _person(world, 1)
    with pytest.raises(ValidationFailed) as exc:
        services.person_set_tags(
            actor=world.users["grid_a"], person=person, version=1, tags=["不存在的标签"]
        )
    assert "未知的标签" in exc.value.message


def test_reveal_is_audited_with_purpose(world):
    person = _person(world, 1)
    value = services.person_reveal(
        actor=world.users["grid_a"], person=person, field="id_number", purpose="入户核实身份"
    )
    assert value == make_id(1)
    event = AuditEvent.objects.get(action="basedata.person.reveal")
    assert event.note == "入户核实身份" and event.after == {"field": "id_number"}
    assert event.actor == world.users["grid_a"]


def test_reveal_refused_for_department_staff_and_out_of_scope(world):
    person = _person(world, 1)
    with pytest.raises(Forbidden):
        services.person_reveal(
            actor=world.users["zhifa"], person=person, field="phone", purpose="执法核查"
        )
    with pytest.raises(NotFound):
        services.person_reveal(
            actor=world.users["grid_b"], person=person, field="phone", purpose="核实"
        )
    with pytest.raises(ValidationFailed):
        services.person_reveal(
            actor=world.users["grid_a"], person=person, field="phone", purpose=""
        )
    # the window clerk (综窗) may, within the street
    assert (
        services.person_reveal(
            actor=world.users["window"], person=person, field="phone", purpose="办理低保申请"
        )
        == "13812345678"
    )
    assert AuditEvent.objects.filter(action="basedata.person.reveal").count() == 1


def test_household_head_and_members(world):
    hh = services.household_create(
        actor=world.users["grid_a"], code="HH-1", grid=GRID_A, address="测试路1号"
    )
    head = _person(world, 1, household=hh.pk, relation="户主")
    hh.refresh_from_db()
    assert hh.head == head
    with pytest.raises(ValidationFailed):  # a member must be in the household's grid
        _person(world, 2, grid=GRID_B, household=hh.pk)


def test_house_grid_located_from_point(world):
    house = services.house_create(
        actor=world.users["admin"], address="测试路9号", lon=120.015, lat=31.005
    )
    assert house.grid.code == GRID_B
    with pytest.raises(ValidationFailed) as exc:
        services.house_create(actor=world.users["admin"], address="外面1号", lon=121.5, lat=31.2)
    assert "不在任何网格内" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        services.house_create(actor=world.users["admin"], address="反了1号", lon=31.005, lat=120.0)
    assert "填反" in exc.value.message
    assert House.objects.count() == 1


def test_entity_credit_code_checked_and_kind_derived(world):
    entity = services.entity_create(
        actor=world.users["grid_a"],
        name="某某个体店",
        uscc=make_uscc(7, prefix="92320594"),
        grid=GRID_A,
        phone="0512-62345678",
    )
    assert entity.kind == LegalEntity.Kind.INDIVIDUAL
    with pytest.raises(ValidationFailed) as exc:
        services.entity_create(
            actor=world.users["grid_a"], name="坏代码", uscc="91350100M000100Y44", grid=GRID_A
        )
    assert "统一社会信用代码" in exc.value.message and "uscc" in exc.value.fields
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM basedata_legalentity WHERE id = %s", [entity.pk])
        assert "62345678" not in cur.fetchone()[0]


def test_entity_update_version(world):
    entity = services.entity_create(
        actor=world.users["grid_a"], name="甲公司", uscc=make_uscc(1), grid=GRID_A
    )
    services.entity_update(actor=world.users["grid_a"], entity=entity, version=1, name="甲有限公司")
    with pytest.raises(StaleVersion):
        services.entity_update(actor=world.users["grid_a"], entity=entity, version=1, name="乙")
    assert LegalEntity.objects.get(pk=entity.pk).name == "甲有限公司"
