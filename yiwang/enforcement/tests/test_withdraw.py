"""撤回 a published penalty decision (行政处罚法 Art. 48 ¶2) through the API and the case page:
a reason is required; only the case's officers and the agency's legal reviewer may; 409 when
not published or already withdrawn; "not yours" answers 404; the withdrawal is on the case's
timeline, in the audit log, and on the public page."""

from __future__ import annotations

import pytest

from yiwang.core.models import AuditEvent
from yiwang.enforcement.models import Case, CaseEvent, Publication
from yiwang.enforcement.tests.test_steps import BASE, notified, post

pytestmark = pytest.mark.django_db
REASON = "行政复议决定变更处罚"


def decided(api) -> dict:
    case = notified(api, amount=150)
    return post(
        api,
        f"cases/{case['id']}/decide/",
        {
            "version": case["version"],
            "outcome": "penalty",
            "waived": True,
            "penalty": {"kind": "fine", "amount": 150},
        },
    )


def published(api) -> Publication:
    case = decided(api)
    post(api, f"cases/{case['id']}/publish/", {"version": case["version"]})
    return Publication.objects.get(case_id=case["id"])


def withdraw(api, pub, data):
    return api.post(BASE + f"publications/{pub.pk}/withdraw/", data, format="json")


def test_officer_withdraws_with_reason_on_timeline_audit_and_public_page(enf, client_for):
    api = client_for(enf.zhifa)
    pub = published(api)
    version = Case.objects.get(pk=pub.case_id).version
    answer = withdraw(api, pub, {"reason": REASON})
    assert answer.status_code == 200, answer.content.decode()
    body = answer.json()
    assert body["withdrawn"] and body["withdraw_reason"] == REASON and body["case"] == pub.case_id
    pub.refresh_from_db()
    assert pub.withdrawn_at is not None and pub.withdraw_reason == REASON
    assert Case.objects.get(pk=pub.case_id).version == version + 1
    event = CaseEvent.objects.get(case_id=pub.case_id, action="withdraw_publication")
    assert REASON in event.note and event.actor_id == enf.zhifa.pk
    audit = AuditEvent.objects.get(action="enforcement.case.withdraw_publication")
    assert audit.after["reason"] == REASON
    page = client_for().get("/public/penalties/").content.decode()
    assert "已撤回" in page and REASON in page and "罚款 150.00 元" not in page
    again = withdraw(api, pub, {"reason": "再撤一次"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "publication"


def test_legal_reviewer_may_withdraw(enf, client_for):
    pub = published(client_for(enf.zhifa))
    answer = withdraw(client_for(enf.fazhi), pub, {"reason": REASON})
    assert answer.status_code == 200 and answer.json()["withdrawn"]


@pytest.mark.parametrize("data", [{}, {"reason": "   "}, {"reason": 5}, {"reason": "长" * 201}])
def test_reason_is_required_and_bounded(enf, client_for, data):
    api = client_for(enf.zhifa)
    pub = published(api)
    before = AuditEvent.objects.count()
    answer = withdraw(api, pub, data)
    assert answer.status_code == 400 and "reason" in answer.json()["error"]["fields"]
    pub.refresh_from_db()
    assert pub.withdrawn_at is None and AuditEvent.objects.count() == before


def test_not_yet_published_answers_409(enf, client_for):
    api = client_for(enf.zhifa)
    case = decided(api)
    pub = Publication.objects.get(case_id=case["id"])
    answer = withdraw(api, pub, {"reason": REASON})
    assert answer.status_code == 409
    pub.refresh_from_db()
    assert pub.withdrawn_at is None and not pub.withdraw_reason


def test_who_may_not_withdraw(enf, world, client_for):
    pub = published(client_for(enf.zhifa))
    before = AuditEvent.objects.count()
    # the street's leader sees the case but is not of the agency: 403
    assert withdraw(client_for(world.users["leader"]), pub, {"reason": REASON}).status_code == 403
    # a resident or another department's staff does not see the case: 404, like a missing row
    for name in ("resident", "shiye"):
        answer = withdraw(client_for(world.users[name]), pub, {"reason": REASON})
        assert answer.status_code == 404, name
    assert withdraw(client_for(), pub, {"reason": REASON}).status_code == 401
    missing = client_for(enf.zhifa).post(
        BASE + "publications/987654321/withdraw/", {"reason": REASON}, format="json"
    )
    assert missing.status_code == 404
    pub.refresh_from_db()
    assert pub.withdrawn_at is None and AuditEvent.objects.count() == before


def test_an_officer_not_on_the_case_may_not_withdraw(enf, client_for):
    from yiwang.enforcement.models import Officer

    pub = published(client_for(enf.zhifa))
    case = Case.objects.get(pk=pub.case_id)
    case.officers.remove(enf.zhifa2)
    assert not Officer.objects.get(user=enf.zhifa2).legal_reviewer
    answer = withdraw(client_for(enf.zhifa2), pub, {"reason": REASON})
    assert answer.status_code == 403
    assert "承办人员" in answer.json()["error"]["message"]


# --- the case page ---------------------------------------------------------------------------


def web_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def page_url(pub) -> str:
    return f"/enforcement/cases/{pub.case_id}/publications/{pub.pk}/withdraw/"


def test_case_page_offers_the_withdraw_form_to_officers_only(enf, world, client_for):
    pub = published(client_for(enf.zhifa))
    officer = web_for(enf.zhifa).get(f"/enforcement/cases/{pub.case_id}/").content.decode()
    assert f'id="do-withdraw-{pub.pk}"' in officer and "撤回理由" in officer
    leader = web_for(world.users["leader"]).get(f"/enforcement/cases/{pub.case_id}/")
    assert leader.status_code == 200 and "do-withdraw" not in leader.content.decode()


def test_case_page_withdraws_and_shows_it(enf, client_for):
    pub = published(client_for(enf.zhifa))
    web = web_for(enf.zhifa)
    answer = web.post(page_url(pub), {"reason": REASON})
    assert answer.status_code == 302
    html = web.get(answer["Location"]).content.decode()
    assert f"已撤回：{REASON}" in html and "撤回公开" in html  # the timeline's label
    pub.refresh_from_db()
    assert pub.withdrawn_at is not None


def test_case_page_refusal_shows_the_chinese_reason_beside_the_form(enf, world, client_for):
    pub = published(client_for(enf.zhifa))
    web = web_for(enf.zhifa)
    empty = web.post(page_url(pub), {"reason": ""})
    assert empty.status_code == 400
    html = empty.content.decode()
    assert 'id="withdraw-error"' in html and "请填写撤回理由" in html
    leader = web_for(world.users["leader"]).post(page_url(pub), {"reason": REASON})
    assert leader.status_code == 403
    stranger = web_for(world.users["resident"]).post(page_url(pub), {"reason": REASON})
    assert stranger.status_code == 404
    pub.refresh_from_db()
    assert pub.withdrawn_at is None
