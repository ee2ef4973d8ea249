"""Pages of the party app (thin views over services and selectors).

/party/topics/                   居民议事厅: topics of my community; propose one
/party/topics/<id>/              one topic: discussion, vote, result, follow-up progress
/party/topics/<id>/<action>/     POST: comment | vote | discuss | open-voting | decide |
                                 follow-up | complete (forms carry `version`)
/party/colours/?month=YYYY-MM    四色网格 (desk): map and table with the facts
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.accounts.models import Role
from yiwang.core.errors import NotFound, ServiceError
from yiwang.core.months import month_start
from yiwang.party import selectors
from yiwang.party import services as sv
from yiwang.party.models import Ballot, ColourRule, Topic
from yiwang.party.residents import people_of

DESK_ROLES = {Role.LEADER, Role.DISPATCHER, Role.ADMIN}


def _nav(user) -> list[tuple[str, str]]:
    links = [
        ("居民议事厅", reverse("party:topics")),
        ("红色朋友圈", reverse("party:friends")),
        ("志愿服务", reverse("party:volunteers")),
        ("服务队", reverse("party:teams")),
    ]
    if user.is_superuser or user.roles() & (DESK_ROLES | {Role.PARTY_SPECIALIST}):
        links.append(("党组织", reverse("party:organisations")))
    if user.is_superuser or user.roles() & (DESK_ROLES | {Role.GRID_WORKER, Role.PARTY_SPECIALIST}):
        links.append(("四色网格", reverse("party:colours")))
    return links


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("party_nav", _nav(request.user))
    return render(request, template, context, status=status)


def _communities(user):
    """Communities the user may propose in: where they live, and (staff) those they serve."""
    from yiwang.grids.models import Region

    codes = {p.grid.parent.code: p.grid.parent for p in people_of(user) if p.grid.parent_id}
    for region in Region.objects.visible_to(user).filter(level="community").order_by("code"):
        if sv.is_staff_for(user, region.code):
            codes.setdefault(region.code, region)
    return sorted(codes.values(), key=lambda r: r.code)


@login_required
def topics(request):
    error = None
    if request.method == "POST":
        try:
            topic = sv.topic_propose(
                actor=request.user,
                community=request.POST.get("community", ""),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                rule=request.POST.get("rule", "person"),
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "议题已提出，等待社区组织讨论。")
            return redirect("party:topic", pk=topic.pk)
    status = request.GET.get("status", "")
    context = {
        "topics": selectors.topic_list(user=request.user, status=status)[:100],
        "status": status,
        "statuses": Topic.Status.choices,
        "communities": _communities(request.user),
        "rules": Topic.Rule.choices,
        "error": error,
        "post": request.POST,
    }
    return _render(request, "party/topics.html", context, status=400 if error else 200)


def _get_topic(request, pk) -> Topic:
    try:
        return selectors.topic_get(user=request.user, id=pk)
    except NotFound:
        raise Http404("议题不存在。")


@login_required
def topic_detail(request, pk: int):
    from yiwang.workorders.page_selectors import category_choices

    topic = _get_topic(request, pk)
    ballot = selectors.my_ballot(user=request.user, topic=topic)
    is_staff = sv.is_staff_for(request.user, topic)
    tally = topic.tally if topic.outcome else None
    context = {
        "topic": topic,
        "comments": topic.comments.select_related("author"),
        "ballot": ballot,
        "choices": Ballot.Choice.choices,
        "is_staff": is_staff,
        "tally": tally,
        "bars": _bars(tally) if tally else [],
        "cast": topic.ballots.count(),
        "progress": selectors.topic_progress(topic),
        "categories": category_choices() if is_staff else [],
    }
    return _render(request, "party/topic.html", context)


def _bars(tally: dict) -> list[dict]:
    cast = tally.get("cast") or 0
    return [
        {"label": label, "n": tally.get(key, 0),
         "pct": round(100 * tally.get(key, 0) / cast) if cast else 0}
        for key, label in Ballot.Choice.choices
    ]  # fmt: skip


def _act(request, topic: Topic, action: str):
    post, user = request.POST, request.user
    version = post.get("version")
    if action == "comment":
        sv.topic_comment(actor=user, topic=topic, body=post.get("body", ""))
        return "发言已发布。"
    if action == "vote":
        sv.topic_vote(actor=user, topic=topic, choice=post.get("choice", ""))
        return "投票成功，感谢参与！"
    if action == "discuss":
        sv.topic_open_discussion(actor=user, topic=topic, version=version)
        return "已开启讨论。"
    if action == "open-voting":
        sv.topic_open_voting(actor=user, topic=topic, version=version,
                             closes_at=post.get("closes_at") or None)  # fmt: skip
        return "已发起表决。"
    if action == "decide":
        paper = {k: post.get(f"paper_{k}") for k in Ballot.Choice.values if post.get(f"paper_{k}")}
        decided = sv.topic_decide(actor=user, topic=topic, version=version, paper_votes=paper)
        return f"表决结束：{decided.get_outcome_display()}。"
    if action == "follow-up":
        action_row = sv.topic_follow_up(actor=user, topic=topic, version=version,
                                        description=post.get("description", ""),
                                        category=post.get("category") or None)  # fmt: skip
        return f"已生成落实工单 {action_row.work_order.code}。"
    if action == "complete":
        sv.topic_complete(actor=user, topic=topic, version=version)
        return "议题已办结。"
    raise Http404("未知的操作。")


@login_required
@require_POST
def topic_action(request, pk: int, action: str):
    topic = _get_topic(request, pk)
    try:
        text = _act(request, topic, action)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, text)
    return redirect("party:topic", pk=pk)


def _party_office(user) -> None:
    if not (user.is_superuser or user.roles() & (DESK_ROLES | {Role.PARTY_SPECIALIST})):
        raise Http404("无权查看。")


def _form_errors(exc: ServiceError) -> dict:
    """Field errors keyed by the form's names, and the message on top (`top`)."""
    fields = {k.split(".")[-1]: v for k, v in (exc.fields or {}).items()}
    return fields | {"top": [exc.message]}


@login_required
def organisations(request):
    """党组织体系 (desk): the tree with the 条例 warnings; the party office founds an
    organisation under a parent, bound to a grid (网格党支部)."""
    from yiwang.grids.models import Region
    from yiwang.party.models import PartyOrganisation
    from yiwang.party.organisations import organisation_tree

    user, errors = request.user, {}
    _party_office(user)
    if request.method == "POST":
        post = request.POST
        try:
            org = sv.organisation_create(
                actor=user, name=post.get("name", ""), kind=post.get("kind", ""),
                parent=post.get("parent") or None, grid=post.get("grid") or None,
                term_started_on=post.get("term_started_on") or None,
            )  # fmt: skip
        except ServiceError as exc:
            errors = _form_errors(exc)
        else:
            messages.success(request, f"已成立“{org.name}”。")
            return redirect("party:organisation", pk=org.pk)
    nodes = organisation_tree(user=user, today=timezone.localdate())
    context = {
        "nodes": nodes,
        "problems": sum(1 for n in nodes if n["warnings"]),
        "kinds": PartyOrganisation.Kind.choices,
        "grids": Region.objects.visible_to(user).filter(level="grid", is_active=True)
        .order_by("code")[:500],
        "errors": errors,
        "post": request.POST,
    }  # fmt: skip
    return _render(request, "party/organisations.html", context, status=400 if errors else 200)


def _org_action(user, org, post) -> str:
    action = post.get("action", "")
    if action == "member":
        member = sv.member_register(
            actor=user, id_number=post.get("id_number", ""), organisation=org,
            joined_on=post.get("joined_on", ""), status=post.get("status", "full"),
            post=post.get("post", "member"), is_mobile=post.get("is_mobile") == "1",
        )  # fmt: skip
        return f"已登记党员 {member.person.name}。"
    if action == "transfer":
        member = sv.member_transfer(actor=user, member=post.get("member"),
                                    version=post.get("version"), to=post.get("to"),
                                    reason=post.get("reason", ""))  # fmt: skip
        return f"{member.person.name} 的组织关系已转入“{member.organisation.name}”。"
    if action == "meeting":
        meeting = sv.meeting_record(actor=user, organisation=org, kind=post.get("kind", ""),
                                    held_on=post.get("held_on", ""),
                                    subject=post.get("subject", ""),
                                    attendees=post.get("attendees") or 0)  # fmt: skip
        return f"已记录{meeting.get_kind_display()}。"
    raise Http404("未知的操作。")


@login_required
def organisation_detail(request, pk: int):
    """One organisation (desk): members from the 人口库 with party data, transfers with
    history, 三会一课; forms keep what was typed and show errors beside the fields."""
    from django.db.models import Q

    from yiwang.basedata.access import may_see_names
    from yiwang.core.pii import mask_name
    from yiwang.party.models import (
        BranchMeeting,
        MemberTransfer,
        PartyMember,
        PartyOrganisation,
    )
    from yiwang.party.organisations import organisation_tree

    user, errors = request.user, {}
    _party_office(user)
    org = PartyOrganisation.objects.visible_to(user).filter(pk=pk).first()
    if org is None:
        raise Http404("党组织不存在。")
    if request.method == "POST":
        try:
            text = _org_action(user, org, request.POST)
        except ServiceError as exc:
            errors = _form_errors(exc) | {"form": request.POST.get("action", "")}
        else:
            messages.success(request, text)
            return redirect("party:organisation", pk=pk)
    node = next((n for n in organisation_tree(user=user, today=timezone.localdate())
                 if n["organisation"].pk == org.pk), None)  # fmt: skip
    show = may_see_names(user)

    def name(person) -> str:  # 张* for roles that may not see full names (basedata's rule)
        return person.name if show else mask_name(person.name)

    members = [
        (m, name(m.person))
        for m in PartyMember.objects.filter(organisation=org).select_related("person")
    ]
    transfers = [
        (t, name(t.member.person))
        for t in MemberTransfer.objects.filter(
            Q(from_organisation=org) | Q(to_organisation=org)
        ).select_related("member__person", "from_organisation", "to_organisation")[:50]
    ]
    context = {
        "org": org, "node": node, "members": members, "transfers": transfers,
        "meetings": org.meetings.all()[:30],
        "targets": PartyOrganisation.objects.visible_to(user).filter(is_active=True)
        .exclude(pk=org.pk).order_by("region_code", "name"),
        "statuses": PartyMember.Status.choices, "posts": PartyMember.Post.choices,
        "meeting_kinds": BranchMeeting.Kind.choices, "today": timezone.localdate(),
        "errors": errors, "post": request.POST,
    }  # fmt: skip
    return _render(request, "party/organisation.html", context, status=400 if errors else 200)


@login_required
def friends(request):
    """红色朋友圈: alliance units and projects of my community; 微心愿 to post, claim, fulfil."""
    from yiwang.party.models import AllianceUnit, Wish
    from yiwang.party.services import alliance

    user = request.user
    if request.method == "POST":
        post, action = request.POST, request.POST.get("action", "")
        try:
            if action == "wish":
                alliance.wish_post(actor=user, title=post.get("title", ""),
                                   description=post.get("description", ""))  # fmt: skip
                messages.success(request, "微心愿已发布，等待共建单位认领。")
            elif action == "claim":
                alliance.wish_claim(actor=user, wish=post.get("wish"), version=post.get("version"),
                                    unit=post.get("unit"))  # fmt: skip
                messages.success(request, "已登记认领。")
            elif action == "fulfil":
                alliance.wish_fulfil(
                    actor=user, wish=post.get("wish"), version=post.get("version"),
                    note=post.get("note", ""),
                )  # fmt: skip
                messages.success(request, "已登记兑现。")
            else:
                raise Http404("未知的操作。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("party:friends")
    units = list(
        AllianceUnit.objects.visible_to(user).filter(is_active=True).prefetch_related("projects")
    )
    wishes = Wish.objects.visible_to(user).select_related("unit")[:100]
    staff = user.is_superuser or user.has_role(*alliance.ALLIANCE_ROLES)
    context = {"units": units, "wishes": wishes, "staff": staff,
               "resident": people_of(user).exists()}  # fmt: skip
    return _render(request, "party/friends.html", context)


@login_required
def volunteers(request):
    """志愿服务: register, activities of my community with sign-up; my activities as
    organiser with check-in and hours confirmation."""
    from yiwang.party.models import Activity, Volunteer
    from yiwang.party.services import volunteers as vs

    user, post = request.user, request.POST
    if request.method == "POST":
        try:
            if post.get("action") == "activity":
                start = f"{post.get('day', '')}T{post.get('start', '')}"
                vs.activity_create(
                    actor=user, title=post.get("title", ""), community=post.get("community"),
                    starts_at=start, ends_at=f"{post.get('day', '')}T{post.get('end', '')}",
                    place=post.get("place", ""), capacity=post.get("capacity") or 20,
                )  # fmt: skip
                text = "活动已发布。"
            else:
                vs.volunteer_register(actor=user, skills=post.get("skills", ""))
                text = "注册成功，欢迎加入志愿服务！"
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, text)
        return redirect("party:volunteers")
    volunteer = Volunteer.objects.filter(user=user).first()
    activities = Activity.objects.visible_to(user).prefetch_related("signups")[:50]
    mine = (
        Activity.objects.filter(organiser=user)
        .prefetch_related("signups__volunteer__user")
        .order_by("-starts_at")[:20]
    )
    signed = set(volunteer.signups.values_list("activity_id", flat=True)) if volunteer else set()
    staff = [c for c in _communities(user) if sv.is_staff_for(user, c.code)]
    context = {"volunteer": volunteer, "activities": activities, "mine": mine,
               "signed": signed, "now": timezone.now(), "staff_communities": staff}  # fmt: skip
    return _render(request, "party/volunteers.html", context)


@login_required
@require_POST
def volunteer_action(request, pk: int, action: str):
    from yiwang.party.services import volunteers as vs

    user = request.user
    try:
        if action == "signup":
            vs.activity_signup(actor=user, activity=pk)
            text = "报名成功。"
        elif action == "check-in":
            vs.signup_check_in(actor=user, signup=pk)
            text = "已签到。"
        elif action == "confirm":
            vs.signup_confirm_hours(actor=user, signup=pk, hours=request.POST.get("hours") or None)
            text = "服务时长已确认。"
        else:
            raise Http404("未知的操作。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, text)
    return redirect("party:volunteers")


@login_required
def volunteer_record_page(request):
    """A printable record of confirmed hours (志愿服务记录证明，可打印)."""
    from yiwang.party.models import Volunteer
    from yiwang.party.services.volunteers import volunteer_record

    volunteer = Volunteer.objects.filter(user=request.user).first()
    if volunteer is None:
        messages.error(request, "请先注册为志愿者。")
        return redirect("party:volunteers")
    if request.method == "POST":
        try:
            cert = sv.volunteer_certificate_issue(actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已出具：{cert.number}。")
        return redirect("party:volunteer-record")
    context = volunteer_record(volunteer) | {
        "today": timezone.localdate(),
        "certificates": volunteer.certificates.all()[:20],
    }
    return _render(request, "party/volunteer_record.html", context)


@login_required
def volunteer_certificate_pdf(request, pk: int):
    """The certificate as PDF: for the volunteer, or the staff of the volunteer's community."""
    from django.http import HttpResponse

    from yiwang.party.documents import certificate_pdf
    from yiwang.party.models import VolunteerCertificate

    cert = VolunteerCertificate.objects.select_related("volunteer__person", "volunteer__user")
    cert = cert.filter(pk=pk).first()
    user = request.user
    if cert is None or not (
        cert.volunteer.user_id == user.pk or sv.is_staff_for(user, cert.volunteer.region_code)
    ):
        raise Http404("证明不存在。")
    response = HttpResponse(certificate_pdf(cert), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="volunteer-record-{cert.pk}.pdf"'
    return response


def _team_error(request, exc: ServiceError) -> dict:
    messages.error(request, exc.message)
    return exc.fields or {"top": [exc.message]}


@login_required
def teams(request):
    """志愿服务队: the teams of my communities; staff found a team (errors beside the fields,
    what was typed kept)."""
    from yiwang.party.models import VolunteerTeam

    user, errors = request.user, {}
    staff = [c for c in _communities(user) if sv.is_staff_for(user, c.code)]
    if request.method == "POST":
        try:
            team = sv.team_create(
                actor=user, name=request.POST.get("name", ""),
                community=request.POST.get("community", ""),
                description=request.POST.get("description", ""),
            )  # fmt: skip
        except ServiceError as exc:
            errors = _team_error(request, exc)
        else:
            messages.success(request, f"服务队“{team.name}”已成立。")
            return redirect("party:team", pk=team.pk)
    rows = (
        VolunteerTeam.objects.visible_to(user)
        .select_related("leader")
        .prefetch_related("volunteers", "activities")
    )
    context = {"teams": rows[:100], "staff_communities": staff, "errors": errors,
               "post": request.POST}  # fmt: skip
    return _render(request, "party/teams.html", context, status=400 if errors else 200)


def _team_action(request, team, post) -> str:
    action, user = post.get("action", ""), request.user
    if action == "add":
        member = sv.team_member_add(actor=user, team=team, volunteer=post.get("volunteer"),
                                    leader=post.get("leader") == "1")  # fmt: skip
        return f"{member.user} 已加入服务队。"
    if action == "remove":
        member = sv.team_member_remove(actor=user, team=team, volunteer=post.get("volunteer"))
        return f"{member.user} 已离开服务队。"
    if action == "activity":
        day = post.get("day", "")
        activity = sv.activity_create(
            actor=user, title=post.get("title", ""), community=team.region_code,
            starts_at=f"{day}T{post.get('start', '')}", ends_at=f"{day}T{post.get('end', '')}",
            place=post.get("place", ""), capacity=post.get("capacity") or 20, team=team.pk,
        )  # fmt: skip
        return f"活动“{activity.title}”已发布。"
    raise Http404("未知的操作。")


@login_required
def team_detail(request, pk: int):
    """One team: its members (add from the community's volunteers, remove), its activities
    (publish one for the team)."""
    from yiwang.party.models import Volunteer, VolunteerTeam

    user = request.user
    team = VolunteerTeam.objects.visible_to(user).select_related("leader").filter(pk=pk).first()
    if team is None:
        raise Http404("服务队不存在。")
    errors = {}
    if request.method == "POST":
        try:
            text = _team_action(request, team, request.POST)
        except ServiceError as exc:
            errors = _team_error(request, exc)
        else:
            messages.success(request, text)
            return redirect("party:team", pk=pk)
    is_staff = user.is_superuser or (
        user.has_role(*sv.ALLIANCE_ROLES) and sv.is_staff_for(user, team.region_code)
    )
    members = team.volunteers.select_related("user", "person")
    candidates = (
        Volunteer.objects.visible_to(user)
        .filter(region_code__startswith=team.region_code[:9])
        .exclude(team=team)
        .select_related("user")[:200]
        if is_staff
        else []
    )
    context = {
        "team": team, "members": members, "candidates": candidates, "is_staff": is_staff,
        "activities": team.activities.prefetch_related("signups").order_by("-starts_at")[:50],
        "errors": errors, "post": request.POST,
    }  # fmt: skip
    return _render(request, "party/team.html", context, status=400 if errors else 200)


COLOUR_HEX = {"red": "#c62828", "yellow": "#f9a825", "blue": "#1f5fbf", "green": "#2e7d32"}


@login_required
def colours(request):
    user = request.user
    if not (
        user.is_superuser or user.roles() & (DESK_ROLES | {Role.GRID_WORKER, Role.PARTY_SPECIALIST})
    ):
        raise Http404("无权查看。")
    try:
        month = month_start(request.GET.get("month") or request.POST.get("month"))
    except ServiceError:
        month = timezone.localdate().replace(day=1)
    if request.method == "POST":
        try:
            count = sv.grid_colours_compute(actor=user, month=month)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已重新计算 {count} 个网格的颜色。")
        return redirect(f"{reverse('party:colours')}?month={month:%Y-%m}")
    rows = list(selectors.grid_colours(user=user, month=month))
    features = [
        {"type": "Feature", "geometry": json.loads(c.grid.geojson),
         "properties": {"name": c.grid.name, "colour": COLOUR_HEX[c.colour], "label": c.label}}
        for c in rows
        if c.grid.geojson
    ]  # fmt: skip
    counts = {key: sum(1 for c in rows if c.colour == key) for key in COLOUR_HEX}
    context = {
        "month": month,
        "rows": rows[:600],
        "features": {"type": "FeatureCollection", "features": features},
        "counts": [(ColourRule.Colour(k).label, k, n) for k, n in counts.items()],
        "rules": ColourRule.objects.filter(is_active=True),
        "may_compute": user.is_superuser or user.has_role(Role.ADMIN, Role.LEADER),
    }
    return _render(request, "party/colours.html", context)
