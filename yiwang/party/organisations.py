"""Rule checks of the party organisation tree and the tree as the party office reads it.
Checks warn, they never block: the office fixes what they show.

《中国共产党支部工作条例（试行）》(2018). reference.md does not quote it; the article numbers
below were checked against the 条例 text as published by party organisation departments'
sites (e.g. 共产党员网's per-article series, 乌海市委组织部), not against an official PDF:
- 第四条: a unit with 3 or more 正式党员 forms a 党支部; a 党支部 generally has at most 50
  members. 第五条: a unit with fewer than 3 正式党员 joins a 联合党支部.
- 第二十一条 (第六章): a 村/社区 党支部委员会's term is 5 years, other units' generally 3
  (党章 第三十一条: 三年至五年). An overdue or early 换届 needs the higher organisation's
  approval (党务工作 practice; no article number claimed here).
- 三会一课 cadence: 第十一条 党员大会 一般每季度1次; 第十二条 支部委员会会议 一般每月1次;
  第十三条 党小组会 一般每月1次 (only where the branch has 党小组: the 条例 asks for them in
  branches with many or scattered members, so a branch with no 党小组会 on record is not
  warned). 党课: the 条例 fixes no cadence for a branch (only that 党委书记 give one a year),
  so the quarterly 党课 reminder is a local custom (LOCAL_CADENCE_DAYS), labelled as such.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q

from yiwang.fieldwork.rounds import add_months
from yiwang.party.models import BranchMeeting, PartyMember, PartyOrganisation

MIN_FULL_MEMBERS = 3  # 支部工作条例 第四条（3人以上成立党支部）、第五条（不足3人成立联合党支部）
MAX_BRANCH_MEMBERS = 50  # 支部工作条例 第四条（党支部党员人数一般不超过50人）
TERM_WARNING_DAYS = 90
CADENCE_DAYS = {  # 支部工作条例: kind → (days, article)
    BranchMeeting.Kind.ASSEMBLY: (92, "支部工作条例第十一条"),  # 一般每季度召开1次
    BranchMeeting.Kind.COMMITTEE: (31, "支部工作条例第十二条"),  # 一般每月召开1次
    BranchMeeting.Kind.GROUP: (31, "支部工作条例第十三条"),  # 一般每月召开1次（设党小组的）
}
LOCAL_CADENCE_DAYS = {  # local custom, not in the 条例: adjust here
    BranchMeeting.Kind.LECTURE: (92, "本街道惯例"),
}
ONLY_IF_HELD = {BranchMeeting.Kind.GROUP}  # warned only once the branch has 党小组 meetings


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
            "应成立联合党支部（支部工作条例第四条、第五条）。"
        )
        out.append(_warn("too_few_members", message, "error"))
    if branch and total > MAX_BRANCH_MEMBERS:
        message = (
            f"党员 {total} 人，超过 {MAX_BRANCH_MEMBERS} 人，宜分设党支部（支部工作条例第四条）。"
        )
        out.append(_warn("too_many_members", message))
    end = term_end(org)
    if end is not None and end <= today:
        out.append(_warn("term_expired", f"本届任期已于 {end} 届满，应按期换届。", "error"))
    elif end is not None and (end - today).days <= TERM_WARNING_DAYS:
        out.append(_warn("term_expiring", f"本届任期将于 {end} 届满，请筹备换届。"))
    if branch:
        out += _cadence_warnings(last_meetings, today)
    return out


def _cadence_warnings(last_meetings: dict, today: dt.date) -> list[dict]:
    out = []
    for kind, (days, basis) in (CADENCE_DAYS | LOCAL_CADENCE_DAYS).items():
        last = last_meetings.get(kind)
        label = BranchMeeting.Kind(kind).label
        if last is None:
            if kind not in ONLY_IF_HELD:
                out.append(_warn("meeting_missing", f"尚无{label}记录（{basis}）。"))
        elif (today - last).days > days:
            message = f"{label}上次召开于 {last}，已超过 {days} 天（{basis}）。"
            out.append(_warn("meeting_overdue", message))
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
