"""Who is told what (issue 13 item 2): 一次性告知 and 出件 → the applicant, with a link to the
application's page, where the result documents are shown; a 上门办 application also tells the
party-mass specialist who filed it. And the one entry for an application opened on a
resident's behalf from the 人口库 (上门办 from a household visit)."""

from __future__ import annotations

import pytest

from yiwang.accounts.models import Role
from yiwang.approvals import services
from yiwang.approvals.models import Application, ApplicationEvent, ResultDocument
from yiwang.approvals.tests.conftest import pdf, run_steps, submit_restaurant
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.notifications.models import Notification
from yiwang.testing import make_user

pytestmark = pytest.mark.django_db

PENSION = "320576052-05-0404"  # 高龄津贴（尊老金）申领: id_card + bank_card, one review step
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def reviewers(users):
    return {
        "经济发展局": users["jingfa"],
        "综合行政执法局": users["zhifa"],
        "社会事业局": users["shiye"],
    }


def fresh(app) -> Application:
    return Application.objects.get(pk=app.pk)


def told(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("id"))


def delivered_restaurant(users) -> Application:
    app = submit_restaurant(users)
    app = services.application_accept(actor=users["window"], application=app, version=1)
    for child in app.children.exclude(status="approved"):
        run_steps(child.pk, reviewers(users))
    app = fresh(app)
    return services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="electronic"
    )


# ---------------------------------------------------------------------------------------------
# 出件 → the applicant
# ---------------------------------------------------------------------------------------------


def test_delivery_tells_the_applicant_every_result_with_a_link(users):
    users["resident"].phone = PHONE
    users["resident"].save(update_fields=["phone"])
    app = delivered_restaurant(users)
    [note] = told(users["resident"], "result")
    numbers = ResultDocument.objects.filter(application__parent=app).values_list(
        "number", flat=True
    )
    assert len(numbers) == 4
    for number in numbers:
        assert number in note.body
    assert app.number in note.title and "已出件" in note.title
    assert note.link == f"/approvals/applications/{app.pk}/"
    assert note.sms_state == Notification.Sms.PENDING  # the account has a phone
    # nobody else is told: the window clerk acted, the reviewers decided
    assert Notification.objects.filter(kind="result").count() == 1


def test_the_link_shows_the_applicant_the_result_documents(users, client):
    app = delivered_restaurant(users)
    [note] = told(users["resident"], "result")
    client.force_login(users["resident"])
    page = client.get(note.link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "办理结果" in html
    for result in ResultDocument.objects.filter(application__parent=app):
        assert result.number in html
        assert f"/approvals/applications/{app.pk}/results/{result.pk}" in html


def test_a_denied_item_is_told_with_its_reason(users):
    app = services.application_submit(
        actor=users["resident"],
        item=PENSION,
        form={"applicant_name": "刘居民", "id_number": ID_NUMBER, "phone": PHONE, "address": "1号"},
        materials=[pdf("id_card"), pdf("bank_card")],
    )
    app = services.application_accept(actor=users["window"], application=app, version=1)
    services.application_deny(
        actor=users["shiye"],
        application=app,
        version=app.version,
        reason="未满80周岁。",
        legal_basis="《江苏省老年人权益保障条例》",
    )
    app = fresh(app)
    services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )
    [note] = told(users["resident"], "result")
    assert "不予办理：未满80周岁。" in note.body and "。。" not in note.body
    assert "编号" not in note.body  # no result document to hand over


def test_a_bundle_with_a_refused_item_says_how_many(users):
    app = submit_restaurant(users)
    app = services.application_accept(actor=users["window"], application=app, version=1)
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    services.application_deny(
        actor=users["jingfa"],
        application=food,
        version=food.version,
        reason="场所面积不符。",
        legal_basis="《食品经营许可和备案管理办法》",
    )
    for child in app.children.exclude(status__in=["approved", "denied"]):
        run_steps(child.pk, reviewers(users))
    app = fresh(app)
    services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )
    [note] = told(users["resident"], "result")
    assert "其中 1 项不予办理" in note.body
    assert note.body.count("编号") == 3 and "。。" not in note.body


def test_a_refused_delivery_tells_nobody(users):
    app = delivered_restaurant(users)
    Notification.objects.all().delete()
    with pytest.raises(Conflict):  # already delivered
        services.application_deliver(
            actor=users["window"], application=app, version=app.version, method="electronic"
        )
    app2 = submit_restaurant(users)
    with pytest.raises(ValidationFailed):
        services.application_deliver(
            actor=users["window"], application=app2, version=1, method="pigeon"
        )
    assert not Notification.objects.exists()


# ---------------------------------------------------------------------------------------------
# 一次性告知 → the applicant
# ---------------------------------------------------------------------------------------------


def test_one_time_notice_tells_the_applicant_every_gap(users):
    app = submit_restaurant(users)
    services.application_request_materials(
        actor=users["window"],
        application=app,
        version=1,
        gaps=[
            {"key": "health_cert", "reason": "已过期"},
            {"key": "layout_plan", "reason": "未标注尺寸"},
        ],
    )
    [note] = told(users["resident"], "notice")
    assert "健康证明" in note.body and "已过期" in note.body and "未标注尺寸" in note.body
    assert note.link == f"/approvals/applications/{app.pk}/"


# ---------------------------------------------------------------------------------------------
# 上门办 on a resident's behalf, from the 人口库
# ---------------------------------------------------------------------------------------------


def party_specialist(world, username: str, grid: str):
    """A 党群专员 of the street who visits the households of one grid."""
    from yiwang.grids.models import GridWorker

    user = make_user(username, roles=[(world.street, Role.PARTY_SPECIALIST)], display_name="专员")
    GridWorker.objects.create(region=world.regions[grid], user=user, name=username, phone="")
    return user


@pytest.fixture
def specialist(users, world):
    return party_specialist(world, "zhuanyuan", "A")


@pytest.fixture
def elder(users):
    from yiwang.basedata.services import person_create

    return person_create(
        actor=None,
        name="李奶奶",
        id_number=ID_NUMBER,
        grid="320571001001001",
        phone=PHONE,
        address="东社区3幢101",
    )


def open_pension(actor, person, **kw):
    return services.application_open_on_behalf(
        actor=actor,
        service_code=PENSION,
        applicant_person_id=person.pk,
        source_note="入户走访：申请高龄津贴",
        **kw,
    )


def test_open_on_behalf_fills_identity_from_the_registry(users, specialist, elder):
    app = open_pension(specialist, elder, materials=[services.MaterialInput("id_card", paper=True)])
    app = fresh(app)
    assert app.channel == "home" and app.status == "submitted"
    assert app.submitted_by == specialist and app.applicant is None  # no account with that phone
    assert app.applicant_name == "李奶奶"
    assert app.applicant_id_number == ID_NUMBER and app.applicant_phone == PHONE
    assert app.full_form["id_number"] == ID_NUMBER and app.full_form["address"] == "东社区3幢101"
    event = ApplicationEvent.objects.get(application=app, action="submit")
    assert event.note == "上门办，入户走访：申请高龄津贴"
    # each unmasked registry read is audited with its purpose
    reveals = AuditEvent.objects.filter(action="basedata.person.reveal", target_id=str(elder.pk))
    assert reveals.count() == 2
    # the missing 银行卡 waits for the window's 一次性告知, which reaches the specialist
    services.application_request_materials(
        actor=users["window"],
        application=app,
        version=app.version,
        gaps=[{"key": "bank_card", "reason": "缺少"}],
    )
    [note] = told(specialist, "notice")
    assert app.number in note.title


def test_open_on_behalf_keeps_a_typed_address_when_the_registry_has_none(users, specialist):
    from yiwang.basedata.services import person_create

    elder = person_create(
        actor=None, name="王爷爷", id_number=ID_NUMBER, grid="320571001001001", phone=PHONE
    )
    app = fresh(open_pension(specialist, elder, form={"address": "东社区5幢302"}))
    assert app.full_form["address"] == "东社区5幢302"
    assert app.full_form["id_number"] == ID_NUMBER  # the registry still fills what it has


def test_open_on_behalf_links_the_residents_own_account(users, specialist, elder):
    users["resident"].phone = PHONE
    users["resident"].save(update_fields=["phone"])
    app = open_pension(
        specialist,
        elder,
        materials=[services.MaterialInput(k, paper=True) for k in ("id_card", "bank_card")],
    )
    assert fresh(app).applicant == users["resident"]
    app = services.application_accept(actor=users["window"], application=app, version=1)
    run_steps(app.pk, reviewers(users))
    app = fresh(app)
    services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="post"
    )
    assert len(told(users["resident"], "result")) == 1
    assert len(told(specialist, "result")) == 1  # brings the result to the door


def test_open_on_behalf_refuses_and_changes_nothing(users, world, specialist, elder):
    before = (Application.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Forbidden):  # a resident cannot file for someone else
        open_pension(users["resident2"], elder)
    with pytest.raises(ValidationFailed) as bad:
        open_pension(specialist, elder, channel="online")
    assert "channel" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        services.application_open_on_behalf(
            actor=specialist, service_code="nope", applicant_person_id=elder.pk
        )
    assert "service_code" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        services.application_open_on_behalf(
            actor=specialist, service_code=PENSION, applicant_person_id="x"
        )
    assert "applicant_person_id" in bad.value.fields
    with pytest.raises(NotFound):
        services.application_open_on_behalf(
            actor=specialist, service_code=PENSION, applicant_person_id=elder.pk + 999
        )
    with pytest.raises(NotFound):  # a specialist of another grid: not theirs, like not found
        open_pension(party_specialist(world, "zhuanyuan_b", "B"), elder)
    assert (Application.objects.count(), AuditEvent.objects.count()) == before


def test_window_clerk_opens_on_behalf_at_the_window(users, elder):
    app = services.application_open_on_behalf(
        actor=users["window"],
        service_code=PENSION,
        applicant_person_id=elder.pk,
        channel="window",
        materials=[services.MaterialInput(k, paper=True) for k in ("id_card", "bank_card")],
    )
    app = fresh(app)
    assert app.channel == "window" and app.visits == 1 and app.applicant_name == "李奶奶"
    app = services.application_accept(actor=users["window"], application=app, version=app.version)
    assert app.status == "accepted"
