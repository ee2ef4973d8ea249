"""REST API of the party app under /api/v1/party/ (thin: parse, call, serialize).

GET  /api/v1/party/topics/?status=            topics of my community (residents) or scope
POST /api/v1/party/topics/                    {"community", "title", "body", "rule"?,
                                               "quorum_pct"?, "majority_pct"?, "needs_action"?}
GET  /api/v1/party/topics/<id>/               with comments, my vote, result, follow-up
POST /api/v1/party/topics/<id>/vote/          {"choice": agree|oppose|abstain}; again → 409
POST /api/v1/party/topics/<id>/comments/      {"body"}
POST /api/v1/party/topics/<id>/<action>/      discuss | open-voting | decide (with
                                              "paper_votes" of the meeting?) | follow-up |
                                              complete, with {"version", ...}
GET  /api/v1/party/colours/?month=YYYY-MM     四色网格 with the facts of each grid
POST /api/v1/party/colours/compute/           {"month": "YYYY-MM"}
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.months import month_start
from yiwang.core.pagination import Pagination
from yiwang.core.validators import MONTH_PATTERN
from yiwang.party import selectors
from yiwang.party import services as sv
from yiwang.party.models import BranchMeeting, Topic

# The input rules the services check, stated in the OpenAPI description (for clients and
# schemathesis); what JSON Schema cannot state (a community that exists and is the caller's,
# a date not in the future) is left to the services' 400.
REGION_PATTERN = r"^\d{1,40}$"
NOT_BLANK = r"\S"
TOPIC_INPUT = inline_serializer(
    "PartyTopicInput",
    fields={
        "community": serializers.RegexField(REGION_PATTERN, help_text="社区编码"),
        "title": serializers.RegexField(NOT_BLANK, max_length=100),
        "body": serializers.RegexField(NOT_BLANK, max_length=5000),
        "rule": serializers.ChoiceField(choices=Topic.Rule.choices, required=False),
        "quorum_pct": serializers.IntegerField(min_value=0, max_value=99, required=False),
        "majority_pct": serializers.IntegerField(min_value=0, max_value=99, required=False),
        "needs_action": serializers.BooleanField(required=False),
    },
)
MEETING_INPUT = inline_serializer(
    "PartyMeetingInput",
    fields={
        "kind": serializers.ChoiceField(choices=BranchMeeting.Kind.choices),
        "held_on": serializers.DateField(help_text="不晚于今天"),
        "subject": serializers.RegexField(NOT_BLANK, max_length=200),
        "attendees": serializers.IntegerField(min_value=0, max_value=10000, required=False),
    },
)
ALLIANCE_INPUT = inline_serializer(
    "PartyAllianceInput",
    fields={
        "name": serializers.CharField(max_length=200, required=False, help_text="无 uscc 时必填"),
        "community": serializers.RegexField(REGION_PATTERN, help_text="社区或街道编码"),
        "commitments": serializers.ListField(
            child=serializers.RegexField(NOT_BLANK, max_length=100), max_length=20, required=False
        ),
        "uscc": serializers.CharField(required=False, help_text="法人库中已登记的统一社会信用代码"),
        "contact": serializers.CharField(required=False, allow_blank=True, max_length=50),
    },
)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("请求内容须为 JSON 对象。")
    return request.data


def topic_data(topic: Topic, *, user=None, detail: bool = False) -> dict:
    data = {
        "id": topic.pk,
        "community": {"code": topic.community.code, "name": topic.community.name},
        "title": topic.title,
        "status": topic.status,
        "status_display": topic.get_status_display(),
        "origin": topic.origin,
        "rule": topic.rule,
        "rule_display": topic.get_rule_display(),
        "quorum_pct": topic.quorum_pct,
        "majority_pct": topic.majority_pct,
        "eligible_count": topic.eligible_count,
        "voting_closes_at": topic.voting_closes_at,
        "outcome": topic.outcome,
        "outcome_display": topic.get_outcome_display() if topic.outcome else "",
        "version": topic.version,
        "created_at": topic.created_at,
    }
    if topic.status in (Topic.Status.DECIDED, Topic.Status.FOLLOWING_UP, Topic.Status.DONE):
        data["tally"] = topic.tally
    elif topic.status == Topic.Status.VOTING:
        data["ballots_cast"] = topic.ballots.count()  # choices stay sealed until decided
    if detail:
        ballot = selectors.my_ballot(user=user, topic=topic) if user else None
        progress = selectors.topic_progress(topic)
        data |= {
            "body": topic.body,
            "comments": [
                {"id": c.pk, "author": str(c.author), "body": c.body, "at": c.created_at}
                for c in topic.comments.select_related("author")
            ],
            "my_vote": ballot.choice if ballot else None,
            "follow_up": {
                "done": progress["done"],
                "total": progress["total"],
                "orders": [
                    {"id": o.pk, "code": o.code, "status": o.status,
                     "status_display": o.get_status_display()}
                    for o in progress["orders"]
                ],
            },
        }  # fmt: skip
    return data


class TopicListView(APIView):
    @extend_schema(
        operation_id="party_topic_list",
        parameters=[OpenApiParameter("status", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        qs = selectors.topic_list(user=request.user, status=request.query_params.get("status", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([topic_data(t) for t in page])

    @extend_schema(
        operation_id="party_topic_propose",
        request=TOPIC_INPUT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        d = _body(request)
        topic = sv.topic_propose(
            actor=request.user,
            community=d.get("community"),
            title=d.get("title"),
            body=d.get("body"),
            rule=d.get("rule") or "person",
            quorum_pct=d.get("quorum_pct"),
            majority_pct=d.get("majority_pct"),
            needs_action=d.get("needs_action", True) is not False,
        )
        return Response(topic_data(topic, user=request.user, detail=True), status=201)


class TopicDetailView(APIView):
    @extend_schema(operation_id="party_topic_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        topic = selectors.topic_get(user=request.user, id=pk)
        return Response(topic_data(topic, user=request.user, detail=True))


class TopicVoteView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        ballot = sv.topic_vote(actor=request.user, topic=pk, choice=_body(request).get("choice"))
        return Response({"topic": pk, "choice": ballot.choice, "cast_at": ballot.cast_at},
                        status=201)  # fmt: skip


class TopicCommentView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        comment = sv.topic_comment(actor=request.user, topic=pk, body=_body(request).get("body"))
        return Response({"id": comment.pk, "body": comment.body}, status=201)


def _follow_up(actor, topic, version, d):
    return sv.topic_follow_up(actor=actor, topic=topic, version=version,
                              description=d.get("description"), category=d.get("category"),
                              lon=d.get("lon"), lat=d.get("lat"),
                              address=d.get("address") or "")  # fmt: skip


ACTIONS = {
    "discuss": lambda actor, topic, version, d: sv.topic_open_discussion(
        actor=actor, topic=topic, version=version
    ),
    "open-voting": lambda actor, topic, version, d: sv.topic_open_voting(
        actor=actor, topic=topic, version=version, closes_at=d.get("closes_at")
    ),
    "decide": lambda actor, topic, version, d: sv.topic_decide(
        actor=actor, topic=topic, version=version, paper_votes=d.get("paper_votes")
    ),
    "follow-up": _follow_up,
    "complete": lambda actor, topic, version, d: sv.topic_complete(
        actor=actor, topic=topic, version=version
    ),
}


class TopicActionView(APIView):
    @extend_schema(
        operation_id="party_topic_action",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS))],
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk: int, action: str):
        handler = ACTIONS.get(action.replace("_", "-"))
        if handler is None:
            raise NotFound("未知的操作。")
        d = _body(request)
        handler(request.user, pk, d.get("version"), d)
        topic = selectors.topic_get(user=request.user, id=pk)
        return Response(topic_data(topic, user=request.user, detail=True))


def colour_data(c) -> dict:
    return {
        "id": c.pk,
        "grid": {"code": c.grid.code, "name": c.grid.name},
        "community": c.grid.parent.name if c.grid.parent_id else "",
        "month": c.month.strftime("%Y-%m"),
        "colour": c.colour,
        "colour_display": c.get_colour_display(),
        "label": c.label,
        "facts": c.facts,
    }


class GridColourView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("month", str, pattern=MONTH_PATTERN)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        month = month_start(request.query_params.get("month"))
        rows = selectors.grid_colours(user=request.user, month=month)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([colour_data(c) for c in page])


class GridColourComputeView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        month = month_start(_body(request).get("month"))
        count = sv.grid_colours_compute(actor=request.user, month=month)
        return Response({"month": month.strftime("%Y-%m"), "grids": count})


def organisation_node(node: dict) -> dict:
    org = node["organisation"]
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_display": org.get_kind_display(),
        "parent": org.parent_id,
        "depth": node["depth"],
        "grid": org.grid.code if org.grid_id else None,
        "members": node["total"],
        "full_members": node["full"],
        "mobile_members": node["mobile"],
        "term_end": node["term_end"],
        "last_meetings": node["last_meetings"],
        "warnings": node["warnings"],
    }


class OrganisationTreeView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from yiwang.party.organisations import organisation_tree

        nodes = organisation_tree(user=request.user, today=timezone.localdate())
        return Response({"results": [organisation_node(n) for n in nodes]})


class MeetingCreateView(APIView):
    @extend_schema(request=MEETING_INPUT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        d = _body(request)
        meeting = sv.meeting_record(actor=request.user, organisation=pk, kind=d.get("kind"),
                                    held_on=d.get("held_on"), subject=d.get("subject"),
                                    attendees=d.get("attendees") or 0)  # fmt: skip
        return Response({"id": meeting.pk, "kind": meeting.kind, "held_on": meeting.held_on},
                        status=201)  # fmt: skip


class MemberTransferView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        d = _body(request)
        member = sv.member_transfer(actor=request.user, member=pk, version=d.get("version"),
                                    to=d.get("to"), reason=d.get("reason"))  # fmt: skip
        return Response({"id": member.pk, "organisation": member.organisation_id,
                         "version": member.version,
                         "transfers": [{"from": t.from_organisation_id, "to": t.to_organisation_id,
                                        "reason": t.reason, "at": t.at}
                                       for t in member.transfers.all()]})  # fmt: skip


# --- 红色朋友圈 ------------------------------------------------------------------------------


def unit_data(u) -> dict:
    return {"id": u.pk, "name": u.name, "community": u.region_code, "commitments": u.commitments,
            "legal_entity": u.legal_entity.uscc if u.legal_entity_id else None,
            "projects": [{"id": p.pk, "title": p.title, "status": p.status,
                          "progress_pct": p.progress_pct, "beneficiaries": p.beneficiaries,
                          "version": p.version} for p in u.projects.all()]}  # fmt: skip


def wish_data(w) -> dict:
    return {"id": w.pk, "title": w.title, "description": w.description, "status": w.status,
            "status_display": w.get_status_display(), "community": w.region_code,
            "unit": w.unit.name if w.unit_id else None, "fulfilment_note": w.fulfilment_note,
            "version": w.version}  # fmt: skip


class AllianceView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from yiwang.party.models import AllianceUnit

        units = AllianceUnit.objects.visible_to(request.user).filter(is_active=True)
        units = units.select_related("legal_entity").prefetch_related("projects")
        paginator = Pagination()
        page = paginator.paginate_queryset(units, request, view=self)
        return paginator.get_paginated_response([unit_data(u) for u in page])

    @extend_schema(request=ALLIANCE_INPUT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        from yiwang.party.services import alliance

        d = _body(request)
        unit = alliance.alliance_unit_register(
            actor=request.user, name=d.get("name") or "", community=d.get("community"),
            commitments=d.get("commitments") or [], uscc=d.get("uscc") or "",
            contact=d.get("contact") or "",
        )  # fmt: skip
        return Response(unit_data(unit), status=201)


class ProjectProgressView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        from yiwang.party.services import alliance

        d = _body(request)
        p = alliance.project_progress(
            actor=request.user, project=pk, version=d.get("version"),
            progress_pct=d.get("progress_pct"), beneficiaries=d.get("beneficiaries"),
            note=d.get("note"),
        )  # fmt: skip
        return Response({"id": p.pk, "status": p.status, "progress_pct": p.progress_pct,
                         "beneficiaries": p.beneficiaries, "version": p.version})  # fmt: skip


class WishListView(APIView):
    @extend_schema(operation_id="party_wish_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from yiwang.party.models import Wish

        wishes = Wish.objects.visible_to(request.user).select_related("unit")
        paginator = Pagination()
        page = paginator.paginate_queryset(wishes, request, view=self)
        return paginator.get_paginated_response([wish_data(w) for w in page])

    @extend_schema(
        operation_id="party_wish_post",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        from yiwang.party.services import alliance

        d = _body(request)
        wish = alliance.wish_post(actor=request.user, title=d.get("title"),
                                  description=d.get("description") or "",
                                  community=d.get("community") or None)  # fmt: skip
        return Response(wish_data(wish), status=201)


WISH_ACTIONS = ["claim", "fulfil"]


class WishActionView(APIView):
    @extend_schema(
        operation_id="party_wish_action",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=WISH_ACTIONS)],
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk: int, action: str):
        from yiwang.party.services import alliance

        d = _body(request)
        if action == "claim":
            wish = alliance.wish_claim(actor=request.user, wish=pk, version=d.get("version"),
                                       unit=d.get("unit"))  # fmt: skip
        elif action == "fulfil":
            wish = alliance.wish_fulfil(actor=request.user, wish=pk, version=d.get("version"),
                                        note=d.get("note"))  # fmt: skip
        else:
            raise NotFound("未知的操作。")
        return Response(wish_data(wish))


# --- 志愿服务 --------------------------------------------------------------------------------


class ActivityListView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from yiwang.party.models import Activity

        qs = Activity.objects.visible_to(request.user).prefetch_related("signups")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([
            {"id": a.pk, "title": a.title, "community": a.region_code, "place": a.place,
             "starts_at": a.starts_at, "ends_at": a.ends_at, "capacity": a.capacity,
             "signed_up": len(a.signups.all())}
            for a in page
        ])  # fmt: skip


class ActivitySignupView(APIView):
    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        from yiwang.party.services.volunteers import activity_signup

        signup = activity_signup(actor=request.user, activity=pk)
        return Response({"id": signup.pk, "activity": pk}, status=201)


class VolunteerRecordView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from yiwang.party.models import Volunteer
        from yiwang.party.services.volunteers import volunteer_record

        volunteer = Volunteer.objects.filter(user=request.user).first()
        if volunteer is None:
            raise NotFound("您还不是注册志愿者。")
        record = volunteer_record(volunteer)
        return Response({
            "total_hours": str(record["total_hours"]),
            "confirmed": [{"activity": s.activity.title, "date": s.activity.starts_at.date(),
                           "hours": str(s.hours), "confirmed_by": str(s.confirmed_by)}
                          for s in record["confirmed"]],
            "pending": [{"activity": s.activity.title, "checked_in": bool(s.checked_in_at)}
                        for s in record["pending"]],
        })  # fmt: skip
