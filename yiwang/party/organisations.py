"""Rule checks of the party organisation tree (支部工作条例与组织生活制度) and the tree as the
party office reads it. Checks warn, they never block: the office fixes what they show.

《中国共产党支部工作条例（试行）》(2018), as anchors.md (C8) quotes it:
- 第五条: an organisation with 3 or more 正式党员 forms a 党支部; with fewer, a 联合党支部;
  a 党支部 generally has at most 50 members.
- a 村/社区 党支部's term is 5 years, others 3; an overdue 换届 needs the higher level's
  approval (article number to verify against the 条例 text).
三会一课 cadence (customary, anchors.md C8, to verify against the 条例): 支委会 and 党小组会
monthly, 支部党员大会 and 党课 quarterly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q

from yiwang.fieldwork.rounds import add_months
from yiwang.party.models import BranchMeeting, PartyMember, PartyOrganisation

MIN_FULL_MEMBERS = 3  # 支部工作条例 第五条
MAX_BRANCH_MEMBERS = 50  # 支部工作条例 第五条（一般不超过50人）
TERM_WARNING_DAYS = 90
CADENCE_DAYS = {  # customary cadence, see the module docstring
    BranchMeeting.Kind.COMMITTEE: 31,
    BranchMeeting.Kind.GROUP: 31,
    BranchMeeting.Kind.ASSEMBLY: 92,
    BranchMeeting.Kind.LECTURE: 92,
}


def _warn(code: str, message: str, level: str = "warning") -> dict:
    return {"code": code, "level": level, "message": message}


def term_end(org: PartyOrganisation) -> dt.date | None:
    if org.term_started_on is None:
        return None
    return add_months(org.term_started_on, 12 * org.term_years)


def organisation_checks(
    org: PartyOrganisation, *, full: int, total: int, last_meetings: dict, today: dt.date
) -> list[dict]:
    """The warnings of one organisation."""
    out = []
    branch = org.kind in PartyOrganisation.BRANCH_KINDS
    if org.kind == PartyOrganisation.Kind.BRANCH and full < MIN_FULL_MEMBERS:
        message = (
            f"正式党员 {full} 人，不足 {MIN_FULL_MEMBERS} 人，"
            "应成立联合党支部（支部工作条例第五条）。"
        )
        out.append(_warn("too_few_members", message, "error"))
    if branch and total > MAX_BRANCH_MEMBERS:
        message = (
            f"党员 {total} 人，超过 {MAX_BRANCH_MEMBERS} 人，宜分设党支部（支部工作条例第五条）。"
        )
        out.append(_warn("too_many_members", message))
    end = term_end(org)
    if end is not None and end <= today:
        out.append(_warn("term_expired", f"本届任期已于 {end} 届满，应按期换届。", "error"))
    elif end is not None and (end - today).days <= TERM_WARNING_DAYS:
        out.append(_warn("term_expiring", f"本届任期将于 {end} 届满，请筹备换届。"))
    if branch:
        for kind, days in CADENCE_DAYS.items():
            last = last_meetings.get(kind)
            label = BranchMeeting.Kind(kind).label
            if last is None:
                out.append(_warn("meeting_missing", f"尚无{label}记录。"))
            elif (today - last).days > days:
                out.append(_warn("meeting_overdue",
                                 f"{label}上次召开于 {last}，已超过 {days} 天。"))  # fmt: skip
    return out


def organisation_tree(*, user, today: dt.date) -> list[dict]:
    """The organisations the user can see, parents before children, each with its member
    counts, last meetings and warnings."""
    orgs = list(
        PartyOrganisation.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("grid", "parent")
    )
    ids = [o.pk for o in orgs]
    counts = {
        r["organisation_id"]: r
        for r in PartyMember.objects.filter(organisation_id__in=ids)
        .values("organisation_id")
        .annotate(
            total=Count("pk"),
            full=Count("pk", filter=Q(status="full")),
            mobile=Count("pk", filter=Q(is_mobile=True)),
        )  # fmt: skip
    }
    meetings = defaultdict(dict)
    for r in (
        BranchMeeting.objects.filter(organisation_id__in=ids)
        .values("organisation_id", "kind")
        .annotate(last=Max("held_on"))
    ):
        meetings[r["organisation_id"]][r["kind"]] = r["last"]
    children = defaultdict(list)
    for o in orgs:
        children[o.parent_id].append(o)
    visible = set(ids)
    roots = [o for o in orgs if o.parent_id not in visible]
    out: list[dict] = []

    def walk(org, depth):
        c = counts.get(org.pk, {"total": 0, "full": 0, "mobile": 0})
        out.append({
            "organisation": org,
            "depth": depth,
            "total": c["total"],
            "full": c["full"],
            "mobile": c["mobile"],
            "term_end": term_end(org),
            "last_meetings": meetings[org.pk],
            "warnings": organisation_checks(org, full=c["full"], total=c["total"],
                                            last_meetings=meetings[org.pk], today=today),
        })  # fmt: skip
        for child in sorted(children[org.pk], key=lambda o: (o.region_code, o.name)):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda o: (o.region_code, o.name)):
        walk(root, 0)
    return out
