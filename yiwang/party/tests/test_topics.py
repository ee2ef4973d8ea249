"""居民议事厅: proposal, discussion, a vote with a stated rule, decision and follow-up."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, Forbidden, NotFound, StaleVersion
from yiwang.party import selectors
from yiwang.party.models import Ballot, Topic
from yiwang.party.services import (
    topic_comment,
    topic_complete,
    topic_decide,
    topic_follow_up,
    topic_open_discussion,
    topic_open_voting,
    topic_propose,
    topic_vote,
)
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _voting(hall, **kwargs) -> Topic:
    topic = topic_propose(actor=hall.resident, community=hall.east.code, title="加装电梯",
                          body="1幢是否加装电梯？", **kwargs)  # fmt: skip
    topic = topic_open_discussion(actor=hall.leader, topic=topic, version=topic.version)
    return topic_open_voting(actor=hall.leader, topic=topic, version=topic.version)


def test_resident_proposes_for_own_community_only(hall):
    topic = topic_propose(actor=hall.resident, community=hall.east.code, title="小区停车",
                          body="夜间停车难")  # fmt: skip
    assert topic.origin == Topic.Origin.RESIDENT and topic.status == Topic.Status.PROPOSED
    with pytest.raises(Forbidden):
        topic_propose(actor=hall.outsider, community=hall.east.code, title="x", body="y")
    staff = topic_propose(actor=hall.leader, community=hall.west.code, title="垃圾分类", body="z")
    assert staff.origin == Topic.Origin.COMMUNITY


def test_eligible_voters_are_adults_of_the_community(hall):
    assert _voting(hall).eligible_count == 3  # the child and 西社区 do not count
    assert _voting(hall, rule="household").eligible_count == 2


def test_second_vote_and_outsider_vote_are_refused(hall):
    topic = _voting(hall)
    topic_vote(actor=hall.resident, topic=topic, choice="agree")
    with pytest.raises(Conflict) as err:
        topic_vote(actor=hall.resident, topic=topic, choice="oppose")
    assert err.value.code == "already_voted"
    with pytest.raises(NotFound):  # 西社区's resident does not even see 东社区's topic
        topic_vote(actor=hall.outsider, topic=topic, choice="agree")
    assert list(Ballot.objects.values_list("choice", flat=True)) == ["agree"]


def test_one_household_one_vote(hall):
    topic = _voting(hall, rule="household")
    topic_vote(actor=hall.resident, topic=topic, choice="agree")
    with pytest.raises(Conflict) as err:
        topic_vote(actor=hall.resident2, topic=topic, choice="agree")
    assert "一户一票" in err.value.message


def test_staff_cannot_vote_without_registration(hall, world):
    topic = _voting(hall)
    with pytest.raises(Forbidden) as err:
        topic_vote(actor=hall.leader, topic=topic, choice="agree")
    assert err.value.code == "not_eligible"


def test_decision_passes_with_quorum_and_majority(hall):
    topic = _voting(hall)
    topic_vote(actor=hall.resident, topic=topic, choice="agree")
    topic_vote(actor=hall.resident2, topic=topic, choice="abstain")
    topic.refresh_from_db()
    decided = topic_decide(actor=hall.leader, topic=topic, version=topic.version)
    # 2 of 3 took part (> 50 %); 1 agree of 2 cast is not more than half → rejected.
    assert decided.outcome == Topic.Outcome.REJECTED
    assert decided.tally["turnout"] == round(2 / 3, 4) and decided.tally["quorum_met"]
    assert decided.done_at is not None


def test_without_quorum_nothing_is_decided(hall):
    topic = _voting(hall, rule="household")
    topic_vote(actor=hall.resident, topic=topic, choice="agree")  # 1 of 2 households: 50 %
    topic.refresh_from_db()
    decided = topic_decide(actor=hall.leader, topic=topic, version=topic.version)
    assert decided.outcome == Topic.Outcome.NO_QUORUM


def test_passed_decision_is_followed_up_until_its_order_is_done(hall, world):
    from yiwang.workorders.services import work_order_accept, work_order_complete

    topic = _voting(hall)
    topic_comment(actor=hall.resident2, topic=topic, body="同意，老人上楼太难")
    topic_vote(actor=hall.resident, topic=topic, choice="agree")
    topic_vote(actor=hall.resident2, topic=topic, choice="agree")
    topic.refresh_from_db()
    topic = topic_decide(actor=hall.leader, topic=topic, version=topic.version)
    assert topic.outcome == Topic.Outcome.PASSED and topic.done_at is None
    action = topic_follow_up(actor=hall.leader, topic=topic, version=topic.version,
                             description="清理1幢楼道堆物，为加装电梯腾出位置",
                             category="06010", lon=120.005, lat=31.005)  # fmt: skip
    topic.refresh_from_db()
    assert topic.status == Topic.Status.FOLLOWING_UP
    order = action.work_order
    assert order.status == WorkOrder.Status.DISPATCHED and "加装电梯" in order.description
    with pytest.raises(Conflict) as err:
        topic_complete(actor=hall.leader, topic=topic, version=topic.version)
    assert err.value.code == "orders_open"
    staff = world.users["shiye"]
    order = work_order_accept(actor=staff, order=order, version=order.version)
    work_order_complete(actor=staff, order=order, version=order.version, note="已清理",
                        no_photo_reason="测试")  # fmt: skip
    progress = selectors.topic_progress(topic)
    assert (progress["done"], progress["total"]) == (1, 1)
    done = topic_complete(actor=hall.leader, topic=topic, version=topic.version)
    assert done.status == Topic.Status.DONE


def test_stale_version_and_wrong_state(hall):
    topic = topic_propose(actor=hall.resident, community=hall.east.code, title="t", body="b")
    with pytest.raises(StaleVersion):
        topic_open_discussion(actor=hall.leader, topic=topic, version=topic.version + 1)
    with pytest.raises(Conflict):
        topic_decide(actor=hall.leader, topic=topic, version=topic.version)
    with pytest.raises(Forbidden):
        topic_open_discussion(actor=hall.resident, topic=topic, version=topic.version)


def test_topics_are_public_to_their_community_only(hall, world):
    topic = _voting(hall)
    assert list(selectors.topic_list(user=hall.resident2)) == [topic]
    assert list(selectors.topic_list(user=hall.outsider)) == []
    assert list(selectors.topic_list(user=world.users["grid_a"])) == [topic]
    assert list(selectors.topic_list(user=world.users["zhifa"])) == []


def test_paper_votes_of_the_meeting_count_and_are_checked(hall):
    from yiwang.core.errors import ValidationFailed

    topic = _voting(hall, rule="household")  # 2 households
    topic_vote(actor=hall.resident, topic=topic, choice="oppose")
    topic.refresh_from_db()
    with pytest.raises(ValidationFailed):  # 1 online + 2 on paper > 2 households
        topic_decide(actor=hall.leader, topic=topic, version=topic.version,
                     paper_votes={"agree": 2})  # fmt: skip
    with pytest.raises(ValidationFailed):
        topic_decide(actor=hall.leader, topic=topic, version=topic.version,
                     paper_votes={"agree": -1})  # fmt: skip
    decided = topic_decide(actor=hall.leader, topic=topic, version=topic.version,
                           paper_votes={"agree": 1})  # fmt: skip
    assert decided.tally["paper"] == 1 and decided.tally["online"] == 1
    assert decided.outcome == Topic.Outcome.REJECTED  # 1 agree of 2 is not more than half
