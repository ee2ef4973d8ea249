"""志愿服务: registration, sign-up, check-in, hours confirmed by the organiser, the record."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.party.models import Activity
from yiwang.party.services.volunteers import (
    activity_create,
    activity_signup,
    signup_check_in,
    signup_confirm_hours,
    volunteer_record,
    volunteer_register,
)
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(hall):
    start = timezone.now() + dt.timedelta(hours=2)
    return activity_create(actor=hall.leader, title="敬老院陪伴", community=hall.east.code,
                           starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=3)),
                           capacity=1, place="社区敬老院")  # fmt: skip


def test_register_in_home_community_once(hall):
    volunteer = volunteer_register(actor=hall.resident, skills="理发")
    assert volunteer.region_code == hall.east.code and volunteer.person.name == "刘居民"
    with pytest.raises(Conflict):
        volunteer_register(actor=hall.resident)


def test_signup_rules(hall, activity):
    with pytest.raises(Forbidden):
        activity_signup(actor=hall.resident, activity=activity)
    volunteer_register(actor=hall.resident)
    volunteer_register(actor=hall.resident2)
    activity_signup(actor=hall.resident, activity=activity)
    with pytest.raises(Conflict) as err:
        activity_signup(actor=hall.resident, activity=activity)
    assert err.value.code in {"duplicate", "full"}
    with pytest.raises(Conflict) as err:
        activity_signup(actor=hall.resident2, activity=activity)
    assert err.value.code == "full"


def test_hours_need_check_in_and_organiser_confirmation(hall, activity, world):
    volunteer_register(actor=hall.resident)
    signup = activity_signup(actor=hall.resident, activity=activity)
    with pytest.raises(Conflict):  # not checked in: no hours
        signup_confirm_hours(actor=hall.leader, signup=signup)
    with pytest.raises(NotFound):  # only the organiser records
        signup_check_in(actor=world.users["admin"], signup=signup)
    with pytest.raises(Conflict):  # too early
        signup_check_in(actor=hall.leader, signup=signup)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    signup_check_in(actor=hall.leader, signup=signup)
    record = volunteer_record(hall.resident.volunteer)
    assert record["total_hours"] == 0 and len(record["pending"]) == 1
    with pytest.raises(ValidationFailed):  # more than the time on site
        signup_confirm_hours(actor=hall.leader, signup=signup, hours=5)
    signup_confirm_hours(actor=hall.leader, signup=signup, hours="1.5")
    record = volunteer_record(hall.resident.volunteer)
    assert record["total_hours"] == decimal.Decimal("1.5") and not record["pending"]


def test_record_page_is_printable_and_personal(hall, activity, client):
    volunteer_register(actor=hall.resident)
    assert client.login(username=hall.resident.username, password=PASSWORD)
    body = client.get("/party/volunteers/record/").content.decode()
    assert "志愿服务记录" in body and "合计" in body
    res = client.post(f"/party/volunteers/activities/{activity.pk}/signup/", follow=True)
    assert "报名成功" in res.content.decode()


def test_staff_publishes_an_activity_from_the_page(hall, client):
    assert client.login(username=hall.leader.username, password=PASSWORD)
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    form = {"action": "activity", "community": hall.east.code, "title": "河道清洁",
            "day": day, "start": "09:00", "end": "11:00", "capacity": "10"}  # fmt: skip
    res = client.post("/party/volunteers/", form, follow=True)
    assert "活动已发布" in res.content.decode()
    activity = Activity.objects.get()
    assert (activity.ends_at - activity.starts_at).total_seconds() == 7200
    form["end"] = "08:00"
    res = client.post("/party/volunteers/", form, follow=True)
    assert "结束时间须晚于开始时间" in res.content.decode() and Activity.objects.count() == 1


def test_volunteer_api(hall, activity, client_for):
    client = client_for(hall.resident)
    assert client.get("/api/v1/party/volunteers/record/").status_code == 404
    volunteer_register(actor=hall.resident)
    rows = client.get("/api/v1/party/activities/").json()["results"]
    assert [r["title"] for r in rows] == ["敬老院陪伴"]
    res = client.post(f"/api/v1/party/activities/{activity.pk}/signup/")
    assert res.status_code == 201
    assert client.post(f"/api/v1/party/activities/{activity.pk}/signup/").status_code == 409
    record = client.get("/api/v1/party/volunteers/record/").json()
    assert record["total_hours"] == "0" and record["pending"][0]["checked_in"] is False
    assert client_for(hall.outsider).get("/api/v1/party/activities/").json()["results"] == []
