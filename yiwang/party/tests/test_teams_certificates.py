"""Volunteer teams from pages (成立服务队, 队员, 本队活动) and the numbered 志愿服务记录证明 as a
PDF that counts confirmed hours only."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from yiwang.core.errors import Conflict, Forbidden
from yiwang.party.models import Activity, VolunteerCertificate, VolunteerTeam
from yiwang.party.services import (
    activity_create,
    activity_signup,
    signup_check_in,
    signup_confirm_hours,
    team_create,
    team_member_add,
    volunteer_certificate_issue,
    volunteer_register,
)
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _served(hall, title: str, hours: str | None):
    """An activity that ran this morning; `hours` confirmed (None: checked in only)."""
    start = timezone.now() + dt.timedelta(hours=1)
    activity = activity_create(actor=hall.leader, title=title, community=hall.east.code,
                               starts_at=start, ends_at=start + dt.timedelta(hours=3))  # fmt: skip
    signup = activity_signup(actor=hall.resident, activity=activity)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    signup_check_in(actor=hall.leader, signup=signup)
    if hours:
        signup_confirm_hours(actor=hall.leader, signup=signup, hours=hours)
    return activity


def test_certificate_counts_confirmed_hours_and_is_numbered(hall):
    from yiwang.party.documents import certificate_context, certificate_pdf

    volunteer_register(actor=hall.resident)
    with pytest.raises(Conflict):  # nothing confirmed yet: nothing to certify
        volunteer_certificate_issue(actor=hall.resident)
    _served(hall, "助老理发", "2.0")
    _served(hall, "陪伴聊天", None)  # checked in, never confirmed: not certified
    first = volunteer_certificate_issue(actor=hall.resident)
    second = volunteer_certificate_issue(actor=hall.resident)
    year = timezone.localdate().year
    assert first.number == f"志愿服务记录证明〔{year}〕第0001号"
    assert second.number.endswith("第0002号")
    assert first.total_hours == decimal.Decimal("2.0")
    assert [r["activity"] for r in first.rows] == ["助老理发"]
    html = render_to_string(
        "party/documents/volunteer_certificate.html", certificate_context(first)
    )
    assert first.number in html and "助老理发" in html and "陪伴聊天" not in html
    assert "刘居民" in html
    assert certificate_pdf(first).startswith(b"%PDF")
    with pytest.raises(Forbidden):  # another resident cannot have it issued
        volunteer_certificate_issue(actor=hall.resident2, volunteer=first.volunteer)


def test_certificate_page_and_download(hall, client):
    volunteer_register(actor=hall.resident)
    _served(hall, "助老理发", "1.5")
    assert client.login(username=hall.resident.username, password=PASSWORD)
    res = client.post("/party/volunteers/record/", follow=True)
    body = res.content.decode()
    cert = VolunteerCertificate.objects.get()
    assert cert.number in body
    pdf = client.get(f"/party/volunteers/certificates/{cert.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    client.logout()
    assert client.login(username=hall.resident2.username, password=PASSWORD)
    assert client.get(f"/party/volunteers/certificates/{cert.pk}.pdf").status_code == 404


def test_team_pages_create_members_and_activities(hall, client):
    volunteer_register(actor=hall.resident)
    assert client.login(username=hall.leader.username, password=PASSWORD)
    page = client.get("/party/volunteers/teams/").content.decode()
    assert "成立服务队" in page
    res = client.post("/party/volunteers/teams/", {"community": hall.east.code, "name": ""})
    assert res.status_code == 400 and "field-error" in res.content.decode()
    form = {"community": hall.east.code, "name": "银发助老服务队", "description": "助老理发"}
    res = client.post("/party/volunteers/teams/", form, follow=True)
    team = VolunteerTeam.objects.get()
    assert res.redirect_chain[-1][0] == f"/party/volunteers/teams/{team.pk}/"
    res = client.post("/party/volunteers/teams/", form)  # same name again: kept and explained
    assert res.status_code == 400 and 'value="助老理发"' in res.content.decode()
    volunteer = hall.resident.volunteer
    url = f"/party/volunteers/teams/{team.pk}/"
    client.post(url, {"action": "add", "volunteer": volunteer.pk, "leader": "1"})
    volunteer.refresh_from_db()
    team.refresh_from_db()
    assert volunteer.team == team and team.leader == hall.resident
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    bad = {
        "action": "activity",
        "title": "理发进社区",
        "day": day,
        "start": "11:00",
        "end": "09:00",
    }
    res = client.post(url, bad)
    assert res.status_code == 400 and 'value="理发进社区"' in res.content.decode()
    client.post(url, bad | {"start": "09:00", "end": "11:00"})
    assert list(team.activities.values_list("title", flat=True)) == ["理发进社区"]
    body = client.get(url).content.decode()
    assert "理发进社区" in body and str(hall.resident) in body


def test_only_community_staff_manage_teams(hall):
    volunteer_register(actor=hall.resident)
    with pytest.raises(Forbidden):
        team_create(actor=hall.resident, name="自封服务队", community=hall.east.code)
    team = team_create(actor=hall.leader, name="五老议事队", community=hall.east.code)
    with pytest.raises(Forbidden):
        team_member_add(actor=hall.resident2, team=team, volunteer=hall.resident.volunteer)
