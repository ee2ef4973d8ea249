"""The party API under /api/v1/party/ (names other tools rely on)."""

from __future__ import annotations

import pytest

from yiwang.party.models import Ballot

pytestmark = pytest.mark.django_db


def _topic(hall, client_for):
    res = client_for(hall.resident).post(
        "/api/v1/party/topics/",
        {"community": hall.east.code, "title": "加装电梯", "body": "1幢加装电梯"},
        format="json",
    )
    assert res.status_code == 201, res.content
    pk, version = res.json()["id"], res.json()["version"]
    leader = client_for(hall.leader)
    res = leader.post(f"/api/v1/party/topics/{pk}/discuss/", {"version": version}, format="json")
    assert res.status_code == 200
    res = leader.post(f"/api/v1/party/topics/{pk}/open-voting/",
                      {"version": res.json()["version"]}, format="json")  # fmt: skip
    assert res.status_code == 200 and res.json()["status"] == "voting"
    return pk


def test_list_vote_and_second_vote_409(hall, client_for):
    pk = _topic(hall, client_for)
    client = client_for(hall.resident)
    res = client.get("/api/v1/party/topics/")
    assert res.status_code == 200
    assert [t["id"] for t in res.json()["results"]] == [pk]
    assert res.json()["results"][0]["eligible_count"] == 3
    res = client.post(f"/api/v1/party/topics/{pk}/vote/", {"choice": "agree"}, format="json")
    assert res.status_code == 201
    res = client.post(f"/api/v1/party/topics/{pk}/vote/", {"choice": "oppose"}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "already_voted"
    detail = client.get(f"/api/v1/party/topics/{pk}/").json()
    assert detail["my_vote"] == "agree" and detail["ballots_cast"] == 1
    assert "tally" not in detail  # sealed until decided


@pytest.mark.parametrize("body", [{"choice": "maybe"}, {}, {"choice": ["agree"]}])
def test_bad_choice_is_400(hall, client_for, body):
    pk = _topic(hall, client_for)
    res = client_for(hall.resident).post(f"/api/v1/party/topics/{pk}/vote/", body, format="json")
    assert res.status_code == 400 and "choice" in res.json()["error"]["fields"]
    assert Ballot.objects.count() == 0


def test_outsider_and_stale_version(hall, client_for):
    pk = _topic(hall, client_for)
    res = client_for(hall.outsider).post(
        f"/api/v1/party/topics/{pk}/vote/", {"choice": "agree"}, format="json"
    )
    assert res.status_code == 404
    res = client_for(hall.leader).post(
        f"/api/v1/party/topics/{pk}/decide/", {"version": 1}, format="json"
    )
    assert res.status_code == 409 and res.json()["error"]["code"] == "stale_version"
    res = client_for(hall.leader).post(f"/api/v1/party/topics/{pk}/nope/", {}, format="json")
    assert res.status_code == 404


def test_decide_shows_the_tally(hall, client_for):
    pk = _topic(hall, client_for)
    for user in (hall.resident, hall.resident2):
        client_for(user).post(f"/api/v1/party/topics/{pk}/vote/", {"choice": "agree"},
                              format="json")  # fmt: skip
    leader = client_for(hall.leader)
    version = leader.get(f"/api/v1/party/topics/{pk}/").json()["version"]
    res = leader.post(f"/api/v1/party/topics/{pk}/decide/", {"version": version}, format="json")
    data = res.json()
    assert data["outcome"] == "passed"
    assert data["tally"]["agree"] == 2 and data["tally"]["cast"] == 2
