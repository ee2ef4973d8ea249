"""Cases by the 行政处罚法 (2021): 简易程序 on the spot and every step of 普通程序.

Each public function is one step: one transaction, one stage change (or none), one timeline
row and one audit row. Limits are counted as Art. 85 says: only 二日/三日/五日/七日 are
working days; 15 and 90 days are calendar days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
    check_version,
)
from yiwang.core.pii import lookup_hash
from yiwang.core.validators import check_id_number, check_phone, check_uscc, normalize_phone
from yiwang.core.workdays import TimeUnit, deadline_for
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import (
    Case,
    Deadline,
    DocumentKind,
    Evidence,
    Interest,
    Matter,
    Officer,
    Party,
)
from yiwang.enforcement.services.common import (
    moment,
    money,
    officer_of,
    positive_int,
    record,
    require_officer,
    text,
)
from yiwang.enforcement.services.numbering import case_code, document_issue

S = Case.Stage
D = Deadline.State
# Art. 51: 简易程序 fines up to 200 元 for a citizen, 3,000 元 for an organisation.
SIMPLE_LIMIT = {Party.PERSON: Decimal("200"), Party.ORGANISATION: Decimal("3000")}
# Art. 68: an officer may collect on the spot a fine of at most 100 元.
ON_SPOT_COLLECTION_LIMIT = Decimal("100")
# Art. 72(1): late payment adds 3 % of the fine a day, never more than the fine itself.
LATE_FEE_RATE = Decimal("0.03")
EXTENSION_MAX_DAYS = 30  # one approved extension at a time (local rule, configurable default)
MAX_UPLOAD = 20 * 1024 * 1024


def hearing_threshold(party_kind: str) -> Decimal:
    """较大数额罚款 from which a hearing must be offered (Art. 63(1)): a provincial figure,
    configurable (defaults 5,000 元 for a citizen, 50,000 元 for an organisation)."""
    if party_kind == Party.ORGANISATION:
        return Decimal(str(getattr(settings, "YIWANG_HEARING_ORG_FINE", 50000)))
    return Decimal(str(getattr(settings, "YIWANG_HEARING_PERSON_FINE", 5000)))


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _lock(case: Case, version) -> Case:
    case = Case.objects.select_for_update().select_related("matter", "department").get(pk=case.pk)
    check_version(case, version)
    return case


def _save(case: Case, fields: list[str]) -> None:
    case.bump_version(fields=[*fields, "updated_at"])


def _require_stage(case: Case, allowed, what: str) -> None:
    if case.stage not in allowed:
        names = "、".join(S(s).label for s in allowed)
        raise Conflict(
            f"案件处于“{case.get_stage_display()}”阶段，不能{what}：{what}须在“{names}”阶段"
            "进行（行政处罚法第五十四条至第六十七条规定的程序顺序）。",
            code=E.WRONG_STAGE,
        )


def _require_procedure(case: Case, procedure: str, what: str) -> None:
    if case.procedure != procedure:
        raise Conflict(
            f"{Case.Procedure(case.procedure).label}案件不能{what}。", code=E.WRONG_STAGE
        )


def _set_deadline(case, *, step, label, article, start, value, unit) -> Deadline:
    due = deadline_for(start, value, unit)
    row, _ = Deadline.objects.update_or_create(
        case=case,
        step=step,
        defaults={"label": label, "article": article, "start": start, "due": due,
                  "value": value, "unit": unit, "state": D.OPEN, "met_at": None},
    )  # fmt: skip
    return row


def _meet(case, step: str, at) -> None:
    row = case.deadlines.filter(step=step, state__in=[D.OPEN, D.OVERDUE, D.PAUSED]).first()
    if row is not None:
        row.state = D.MET if at <= row.due else D.LATE
        row.met_at = at
        row.save(update_fields=["state", "met_at"])


def _penalty(matter: Matter, party_kind: str, penalty, *, field="penalty") -> tuple[str, Decimal]:
    """(kind, amount) of a penalty, checked against the matter's legal range."""
    if not isinstance(penalty, dict):
        raise ValidationFailed("请填写处罚内容。", fields={field: ["必填"]})
    kind = penalty.get("kind")
    if kind == Case.PenaltyKind.WARNING:
        if not matter.warning:
            raise ValidationFailed(
                f"“{matter.name}”的处罚依据（{matter.legal_basis}）没有规定警告，处罚种类超出"
                "法定范围（行政处罚法第四条：处罚须依法定种类）。",
                code=E.PENALTY_OUT_OF_RANGE,
                fields={f"{field}.kind": ["本事项不可警告"]},
            )
        return kind, Decimal("0")
    if kind != Case.PenaltyKind.FINE:
        raise ValidationFailed(
            "处罚种类应为 warning（警告）或 fine（罚款）。", fields={f"{field}.kind": ["不正确"]}
        )
    amount = money(penalty.get("amount"), field=f"{field}.amount", label="罚款金额")
    low, high = matter.fine_range(party_kind)
    who = "单位" if party_kind == Party.ORGANISATION else "个人"
    if high is None:
        raise ValidationFailed(
            f"“{matter.name}”对{who}没有规定罚款（{matter.legal_basis}）。",
            code=E.PENALTY_OUT_OF_RANGE,
            fields={f"{field}.amount": ["本事项不可罚款"]},
        )
    if amount < (low or 0) or amount > high:
        raise ValidationFailed(
            f"罚款 {amount} 元超出法定幅度：依据{matter.legal_basis}，对{who}处 "
            f"{low or 0}–{high} 元罚款（行政处罚法第五条：过罚相当，在法定幅度内裁量）。",
            code=E.PENALTY_OUT_OF_RANGE,
            fields={f"{field}.amount": [f"应在 {low or 0}–{high} 元之间"]},
        )
    return kind, amount


def _party(data) -> dict:
    """The party's columns on the case, checked (身份证号 / 统一社会信用代码)."""
    if not isinstance(data, dict):
        raise ValidationFailed("请填写当事人。", fields={"party": ["必填"]})
    kind = data.get("kind")
    if kind not in (Party.PERSON, Party.ORGANISATION):
        raise ValidationFailed(
            "当事人类型应为 person 或 organisation。", fields={"party.kind": ["不正确"]}
        )
    out = {
        "party_kind": kind,
        "party_name": text(
            data.get("name"), field="party.name", label="当事人名称", max_length=200
        ),
        "party_address": text(
            data.get("address"), field="party.address", label="地址", required=False, max_length=200
        ),
    }
    phone = normalize_phone(data.get("phone") or "")
    if phone:
        if check_phone(phone):
            raise ValidationFailed(check_phone(phone), fields={"party.phone": [check_phone(phone)]})
        out["party_phone"] = phone
    if kind == Party.PERSON:
        number = (data.get("id_number") or "").strip().upper()
        error = check_id_number(number)
        if error:
            raise ValidationFailed(f"当事人{error}", fields={"party.id_number": [error]})
        out.update(party_id_number=number, party_id_hash=lookup_hash(number))
    else:
        code = (data.get("credit_code") or "").strip().upper()
        error = check_uscc(code)
        if error:
            raise ValidationFailed(f"当事人{error}", fields={"party.credit_code": [error]})
        from yiwang.basedata.models import LegalEntity

        out["party_credit_code"] = code
        out["legal_entity"] = LegalEntity.objects.filter(uscc=code).first()
    return out


def _conflict_q(case: Case):
    from django.db.models import Q

    q = Q(pk__in=[])
    if case.party_credit_code:
        q |= Q(credit_code=case.party_credit_code)
    if case.party_id_hash:
        q |= Q(id_hash=case.party_id_hash)
    return q


def _check_recusal(case: Case, users) -> None:
    """回避 (Art. 43): an officer with a declared interest in the party may not be assigned."""
    hit = Interest.objects.filter(_conflict_q(case), user__in=users).select_related("user").first()
    if hit is not None:
        name = hit.user.display_name or hit.user.username
        raise Conflict(
            f"执法人员{name}与当事人有利害关系（{hit.reason}），应当回避，不得承办本案"
            "（行政处罚法第四十三条）。",
            code=E.OFFICER_CONFLICT,
            fields={"officers": [f"{hit.user.username} 应当回避：{hit.reason}"]},
        )


def _officer_users(case: Case, usernames) -> list[User]:
    """At least two certified officers of the case's agency (Art. 42)."""
    if not isinstance(usernames, list | tuple) or not all(isinstance(u, str) for u in usernames):
        raise ValidationFailed("请选择承办的执法人员。", fields={"officers": ["应为用户名列表"]})
    names = sorted(set(usernames))
    officers = list(
        Officer.objects.select_related("user").filter(
            user__username__in=names,
            department=case.department,
            is_active=True,
            certified_until__gte=timezone.localdate(),
        )
    )
    certified = {o.user.username for o in officers}
    missing = [n for n in names if n not in certified]
    if missing:
        raise ValidationFailed(
            f"{'、'.join(missing)} 不是本机构持有效执法证件的执法人员（行政处罚法第四十二条）。",
            code=E.OFFICERS_REQUIRED,
            fields={"officers": [f"{n} 无有效执法证" for n in missing]},
        )
    if len(officers) < 2:
        raise ValidationFailed(
            "执法人员不得少于两人（行政处罚法第四十二条）：请再指定一名持证执法人员。",
            code=E.OFFICERS_REQUIRED,
            fields={"officers": ["至少两名持证执法人员"]},
        )
    users = [o.user for o in officers]
    _check_recusal(case, users)
    return users


def _require_case_officer(actor, case: Case) -> None:
    require_officer(actor, case.department)
    if case.procedure == Case.Procedure.ORDINARY and case.stage != S.CLUE:
        if not case.officers.filter(pk=actor.pk).exists():
            raise Forbidden("只有本案承办人员可以办理此步骤。", code=E.FORBIDDEN)


# ---------------------------------------------------------------------------------------------
# opening a case
# ---------------------------------------------------------------------------------------------


def _matter(code) -> Matter:
    matter = Matter.objects.filter(code=str(code or "").strip(), is_current=True).first()
    if matter is None:
        raise ValidationFailed(
            "执法事项清单中没有该事项。", code=E.UNKNOWN_MATTER, fields={"matter": ["不存在"]}
        )
    if not matter.devolved:
        raise ValidationFailed(
            f"“{matter.name}”未赋权本街道实施（行政处罚法第二十四条），应移送{matter.department}。",
            code=E.UNKNOWN_MATTER,
            fields={"matter": ["未赋权街道"]},
        )
    return matter


def _work_order(actor, value):
    from yiwang.workorders.selectors import work_order_get

    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("工单编号应为整数。", fields={"work_order": ["应为整数"]})
    order = work_order_get(user=actor, id=pk)
    busy = Case.objects.filter(work_order=order).exclude(stage=S.CLOSED).first()
    if busy is not None:
        raise Conflict(f"该工单已立案（{busy.code}），不能重复立案。", code=E.WRONG_STAGE)
    return order


def _place(lon, lat, order, department) -> tuple:
    from yiwang.grids.locate import check_lon_lat, locate

    if order is not None and lon in (None, "") and lat in (None, ""):
        return order.lon, order.lat, order.region_code or "", order.address
    if lon in (None, "") and lat in (None, ""):
        street = department.parent
        return None, None, (street.region_code if street else "") or "", ""
    lon, lat = check_lon_lat(lon, lat)
    found = locate(lon, lat)
    code = found.grid.code if found else ""
    if not code and department.parent:
        code = department.parent.region_code or ""
    return lon, lat, code, ""


@transaction.atomic
def case_open(
    *,
    actor,
    procedure: str,
    matter,
    party,
    facts: str,
    lon=None,
    lat=None,
    address: str = "",
    work_order=None,
    source: str | None = None,
) -> Case:
    """登记 a case (线索 → 待立案), from a work order, a patrol, a complaint, a referral or an
    inspection. The party is checked and its personal data encrypted."""
    officer = require_officer(actor)
    if procedure not in Case.Procedure.values:
        raise ValidationFailed("程序应为 simple 或 ordinary。", fields={"procedure": ["不正确"]})
    matter = _matter(matter)
    if procedure == Case.Procedure.SIMPLE and not matter.simple_procedure:
        raise ValidationFailed(
            f"“{matter.name}”不适用简易程序（行政处罚法第五十一条），请按普通程序办理。",
            code=E.SIMPLE_THRESHOLD,
            fields={"procedure": ["本事项不适用简易程序"]},
        )
    party_cols = _party(party)
    facts = text(facts, field="facts", label="违法事实")
    order = _work_order(actor, work_order) if work_order not in (None, "") else None
    if source is None:
        source = Case.Source.WORK_ORDER if order else Case.Source.PATROL
    if source not in Case.Source.values:
        raise ValidationFailed(
            "案件来源不正确。", fields={"source": [f"可选：{Case.Source.values}"]}
        )
    lon, lat, region_code, order_address = _place(lon, lat, order, officer.department)
    now = timezone.now()
    case = Case.objects.create(
        code=case_code(timezone.localtime(now).year),
        procedure=procedure,
        stage=S.CLUE,
        source=source,
        matter=matter,
        department=officer.department,
        region_code=region_code,
        work_order=order,
        facts=facts,
        address=text(address, field="address", label="地点", required=False, max_length=200)
        or order_address,
        lon=lon,
        lat=lat,
        opened_at=now,
        created_by=acting_user(actor),
        **party_cols,
    )
    case.officers.add(actor)
    _check_recusal(case, [actor])
    record(case, actor=actor, action="open", from_stage="", at=now,
           data={"procedure": procedure, "matter": matter.code, "revision": matter.revision,
                 "work_order": order.code if order else None})  # fmt: skip
    return case


# ---------------------------------------------------------------------------------------------
# 简易程序
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def case_decide_on_spot(*, actor, case, version, penalty, note: str = "") -> Case:
    """当场处罚 (Arts. 51–52): a warning, or a fine of at most 200 元 (citizen) / 3,000 元
    (organisation), decided and handed over on the spot with the numbered decision form."""
    case = _lock(case, version)
    _require_procedure(case, Case.Procedure.SIMPLE, "当场作出处罚决定")
    _require_stage(case, [S.CLUE], "当场作出处罚决定")
    _require_case_officer(actor, case)
    kind, amount = _penalty(case.matter, case.party_kind, penalty)
    limit = SIMPLE_LIMIT[case.party_kind]
    if kind == Case.PenaltyKind.FINE and amount > limit:
        who = "法人或者其他组织" if case.party_kind == Party.ORGANISATION else "公民"
        raise ValidationFailed(
            f"简易程序只能对{who}处以 {limit} 元以下罚款或者警告（行政处罚法第五十一条）；"
            f"罚款 {amount} 元应按普通程序办理。",
            code=E.SIMPLE_THRESHOLD,
            fields={"penalty.amount": [f"简易程序不超过 {limit} 元"]},
        )
    now = timezone.now()
    from_stage = case.stage
    case.outcome = Case.Outcome.PENALTY
    case.penalty_kind, case.fine_amount = kind, (amount if kind == Case.PenaltyKind.FINE else None)
    case.decided_at = case.served_at = now  # Art. 52: handed to the party on the spot
    case.service_method = "当场交付"
    case.stage = S.SERVED
    _save(case, ["outcome", "penalty_kind", "fine_amount", "decided_at", "served_at",
                 "service_method", "stage"])  # fmt: skip
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.ON_SPOT, at=now)
    if case.fine_amount:
        # Art. 67(3): pay within 15 days of receiving the decision (calendar days, Art. 85).
        _set_deadline(case, step="payment", label="缴纳罚款", article="行政处罚法第六十七条",
                      start=now, value=15, unit=TimeUnit.DAYS)  # fmt: skip
    record(case, actor=actor, action="decide_on_spot", from_stage=from_stage, at=now,
           note=text(note, field="note", label="说明", required=False),
           data={"penalty": kind, "amount": amount, "number": doc.number})  # fmt: skip
    return case


# ---------------------------------------------------------------------------------------------
# 普通程序
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def case_file(*, actor, case, version, officers, note: str = "") -> Case:
    """立案 with approval (Art. 54), assigning at least two certified officers (Art. 42) none
    of whom has a declared interest (Art. 43). The 90-day clock starts (Art. 60)."""
    case = _lock(case, version)
    _require_procedure(case, Case.Procedure.ORDINARY, "立案")
    _require_stage(case, [S.CLUE], "立案")
    require_officer(actor, case.department)
    users = _officer_users(case, officers)
    now = timezone.now()
    case.filed_at = now
    case.stage = S.INVESTIGATING
    _save(case, ["filed_at", "stage"])
    case.officers.set(users)
    # Art. 60: decide within 90 days of 立案 (calendar days, Art. 85).
    _set_deadline(case, step="decide", label="作出处罚决定", article="行政处罚法第六十条",
                  start=now, value=90, unit=TimeUnit.DAYS)  # fmt: skip
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.FILING, at=now)
    record(case, actor=actor, action="file", from_stage=S.CLUE, at=now,
           note=text(note, field="note", label="立案审批意见", required=False),
           data={"officers": [u.username for u in users], "number": doc.number})  # fmt: skip
    return case


def _evidence_file(upload) -> tuple[str, bytes]:
    if upload is None:
        return "", b""
    size = getattr(upload, "size", 0) or 0
    if size > MAX_UPLOAD:
        raise ValidationFailed("证据文件不能超过 20 MB。", fields={"file": ["文件过大"]})
    content = upload.read()
    upload.seek(0)
    return hashlib.sha256(content).hexdigest(), content


@transaction.atomic
def case_add_evidence(
    *, actor, case, version, kind, title, place, captured_at=None, description="", file=None
) -> Evidence:
    """调查取证: one evidence item of an Art. 46 kind, with time and place of capture and the
    SHA-256 of its file, so later tampering shows."""
    case = _lock(case, version)
    _require_stage(case, [S.INVESTIGATING], "收集证据")
    _require_case_officer(actor, case)
    if kind not in Evidence.Kind.values:
        raise ValidationFailed(
            "证据种类应为行政处罚法第四十六条规定的种类之一。",
            fields={"kind": [f"可选：{Evidence.Kind.values}"]},
        )
    now = timezone.now()
    captured = moment(captured_at, field="captured_at", label="取证时间", default=now)
    if captured > now + dt.timedelta(minutes=5):
        raise ValidationFailed("取证时间不能晚于现在。", fields={"captured_at": ["晚于现在"]})
    digest, _ = _evidence_file(file)
    number = (case.evidence.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    item = Evidence(
        case=case,
        number=number,
        kind=kind,
        title=text(title, field="title", label="证据名称", max_length=200),
        description=text(description, field="description", label="证明内容", required=False),
        captured_at=captured,
        place=text(place, field="place", label="取证地点", max_length=200),
        collected_by=acting_user(actor),
        sha256=digest,
    )
    if file is not None:
        item.file.save(getattr(file, "name", "evidence.bin"), file, save=False)
    item.save()
    _save(case, [])
    record(case, actor=actor, action="add_evidence", from_stage=case.stage, at=now,
           data={"evidence": number, "kind": kind, "sha256": digest})  # fmt: skip
    return item


@transaction.atomic
def case_end_investigation(*, actor, case, version, note: str = "") -> Case:
    """调查终结: the evidence is gathered (at least one item)."""
    case = _lock(case, version)
    _require_stage(case, [S.INVESTIGATING], "调查终结")
    _require_case_officer(actor, case)
    if not case.evidence.exists():
        raise Conflict(
            "尚无证据，不能调查终结：行政处罚须查明事实、证据确凿（行政处罚法第四十条、第五十四条）。",
            code=E.EVIDENCE_REQUIRED,
        )
    now = timezone.now()
    case.investigated_at, case.stage = now, S.INVESTIGATED
    _save(case, ["investigated_at", "stage"])
    record(case, actor=actor, action="end_investigation", from_stage=S.INVESTIGATING, at=now,
           note=text(note, field="note", label="调查终结报告", required=False))  # fmt: skip
    return case


def hearing_due(case: Case, kind: str, amount: Decimal) -> bool:
    """Whether the party must be told of the right to a hearing (Art. 63)."""
    if case.matter.hearing:
        return True
    return kind == Case.PenaltyKind.FINE and amount >= hearing_threshold(case.party_kind)


@transaction.atomic
def case_notify(*, actor, case, version, penalty, note: str = "") -> Case:
    """告知 (Art. 44): the proposed penalty, facts, reasons and basis, and the rights of
    陈述、申辩 and, where Art. 63 applies, 听证 (requested within 5 working days)."""
    case = _lock(case, version)
    _require_procedure(case, Case.Procedure.ORDINARY, "事先告知")
    _require_stage(case, [S.INVESTIGATED], "事先告知")
    _require_case_officer(actor, case)
    kind, amount = _penalty(case.matter, case.party_kind, penalty)
    now = timezone.now()
    case.proposed_kind = kind
    case.proposed_amount = amount if kind == Case.PenaltyKind.FINE else None
    case.hearing_offered = hearing_due(case, kind, amount)
    case.notified_at, case.stage = now, S.NOTIFIED
    _save(case, ["proposed_kind", "proposed_amount", "hearing_offered", "notified_at", "stage"])
    if case.hearing_offered:
        # Art. 64(1): the party asks within 5 days of 告知 (working days, Art. 85).
        _set_deadline(case, step="request_hearing", label="申请听证",
                      article="行政处罚法第六十四条",
                      start=now, value=5, unit=TimeUnit.WORK_DAYS)  # fmt: skip
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.NOTICE, at=now)
    record(case, actor=actor, action="notify", from_stage=S.INVESTIGATED, at=now,
           note=text(note, field="note", label="说明", required=False),
           data={"penalty": kind, "amount": amount, "hearing_offered": case.hearing_offered,
                 "number": doc.number})  # fmt: skip
    return case


@transaction.atomic
def case_request_hearing(*, actor, case, version, hearing_at, requested_at=None) -> Case:
    """听证 requested by the party (recorded by the officer) and scheduled with its notice.
    Refused after 5 working days of 告知 (Art. 64(1)); the notice must reach the party 7 working
    days before the hearing (Art. 64(2)). The 90-day clock stops while the hearing runs."""
    case = _lock(case, version)
    _require_stage(case, [S.NOTIFIED], "登记听证申请")
    _require_case_officer(actor, case)
    if not case.hearing_offered:
        raise Conflict(
            "本案拟作出的处罚不属于行政处罚法第六十三条规定的听证范围，未告知听证权利。",
            code=E.HEARING_NOT_OFFERED,
        )
    now = timezone.now()
    asked = moment(requested_at, field="requested_at", label="申请时间", default=now)
    if asked > now + dt.timedelta(minutes=5) or asked < case.notified_at - dt.timedelta(minutes=1):
        raise ValidationFailed(
            "申请时间应在告知之后、不晚于现在。", fields={"requested_at": ["不正确"]}
        )
    window = case.deadlines.get(step="request_hearing")
    if asked > window.due:
        raise Conflict(
            f"听证申请已逾期：当事人应在告知后五个工作日内（{timezone.localtime(window.due):%Y-%m-%d}"
            "前）提出（行政处罚法第六十四条第一项、第八十五条），逾期视为放弃。",
            code=E.DEADLINE_PASSED,
            fields={"requested_at": ["超过五个工作日"]},
        )
    when = moment(hearing_at, field="hearing_at", label="听证时间")
    earliest = deadline_for(now, 7, TimeUnit.WORK_DAYS)
    if when.date() < timezone.localtime(earliest).date():
        raise ValidationFailed(
            f"应当在举行听证的七日前通知当事人（行政处罚法第六十四条第二项，七日为工作日，第八十五条）："
            f"听证最早可安排在 {timezone.localtime(earliest):%Y-%m-%d}。",
            code=E.HEARING_NOTICE,
            fields={"hearing_at": [f"不早于 {timezone.localtime(earliest):%Y-%m-%d}"]},
        )
    case.hearing_requested_at, case.hearing_at, case.stage = asked, when, S.HEARING
    _save(case, ["hearing_requested_at", "hearing_at", "stage"])
    window.state = D.MET
    window.met_at = asked
    window.save(update_fields=["state", "met_at"])
    case.deadlines.filter(step="decide", state=D.OPEN).update(state=D.PAUSED)
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.HEARING_NOTICE, at=now)
    record(case, actor=actor, action="request_hearing", from_stage=S.NOTIFIED, at=now,
           data={"requested_at": asked, "hearing_at": when, "number": doc.number})  # fmt: skip
    return case


@transaction.atomic
def case_hold_hearing(*, actor, case, version, chair, record_text, held_at=None) -> Case:
    """听证 held (Art. 64): chaired by someone who did not investigate the case; the 笔录 is
    the basis of the decision (Art. 65). The paused 90-day clock resumes."""
    case = _lock(case, version)
    _require_stage(case, [S.HEARING], "记录听证")
    _require_case_officer(actor, case)
    chair_user = User.objects.filter(username=str(chair or "").strip()).first()
    if chair_user is None:
        raise ValidationFailed("请指定听证主持人。", fields={"chair": ["用户不存在"]})
    if case.officers.filter(pk=chair_user.pk).exists():
        raise Conflict(
            "听证由行政机关指定的非本案调查人员主持（行政处罚法第六十四条第四项）。",
            code=E.CHAIR_INVESTIGATED,
            fields={"chair": ["本案调查人员不得主持听证"]},
        )
    now = timezone.now()
    held = moment(held_at, field="held_at", label="听证时间", default=now)
    if held > now + dt.timedelta(minutes=5):
        raise ValidationFailed("听证尚未举行，不能记录。", fields={"held_at": ["晚于现在"]})
    if held < case.hearing_at - dt.timedelta(hours=12):
        raise ValidationFailed(
            f"听证应在通知的时间（{timezone.localtime(case.hearing_at):%Y-%m-%d %H:%M}）举行。",
            code=E.HEARING_NOTICE,
            fields={"held_at": ["早于通知的听证时间"]},
        )
    case.hearing_chair = chair_user
    case.hearing_record = text(record_text, field="record", label="听证笔录")
    case.heard_at, case.stage = held, S.HEARD
    paused = max(int((held - case.hearing_requested_at).total_seconds()), 0)
    case.paused_seconds += paused
    _save(case, ["hearing_chair", "hearing_record", "heard_at", "stage", "paused_seconds"])
    decide = case.deadlines.filter(step="decide").first()
    if decide is not None and decide.state == D.PAUSED:
        decide.due += dt.timedelta(seconds=paused)
        decide.state = D.OPEN
        decide.save(update_fields=["due", "state"])
    record(
        case,
        actor=actor,
        action="hold_hearing",
        from_stage=S.HEARING,
        at=now,
        data={"chair": chair_user.username, "held_at": held, "paused_seconds": paused},
    )
    return case


def review_required(case: Case) -> bool:
    """法制审核 before deciding (Art. 58): where the matter requires it, or the case was heard."""
    return case.matter.legal_review or case.heard_at is not None


@transaction.atomic
def case_legal_review(*, actor, case, version, opinion: str) -> Case:
    """法制审核 (Art. 58) by a designated reviewer who is not on the case."""
    case = _lock(case, version)
    _require_stage(case, [S.NOTIFIED, S.HEARD], "法制审核")
    officer = officer_of(actor)
    if officer is None or not officer.legal_reviewer:
        raise Forbidden("法制审核须由本机构的法制审核人员进行（行政处罚法第五十八条）。")
    if case.officers.filter(pk=actor.pk).exists():
        raise Forbidden("本案承办人员不得审核本案（行政处罚法第五十八条）。")
    now = timezone.now()
    from_stage = case.stage
    case.review_opinion = text(opinion, field="opinion", label="审核意见")
    case.reviewer, case.reviewed_at, case.stage = actor, now, S.REVIEWED
    _save(case, ["review_opinion", "reviewer", "reviewed_at", "stage"])
    record(
        case,
        actor=actor,
        action="legal_review",
        from_stage=from_stage,
        at=now,
        note=case.review_opinion,
    )
    return case


def major_case(case: Case, kind: str, amount: Decimal) -> bool:
    """A major case needing 集体讨论 (Art. 57 ¶2): the matter's penalties call for a hearing
    (责令停产停业、吊销 …), the case was heard, or the fine reaches 较大数额 (Art. 63)."""
    if case.matter.hearing or case.heard_at is not None:
        return True
    return kind == Case.PenaltyKind.FINE and amount >= hearing_threshold(case.party_kind)


def _check_decide_allowed(case: Case, now, waived: bool) -> None:
    if case.statements.filter(reviewed_at__isnull=True).exists():
        raise Conflict(
            "当事人的陈述申辩尚未复核，不得作出决定（行政处罚法第四十五条：行政机关必须充分听取"
            "当事人的意见，对当事人提出的事实、理由和证据，应当进行复核）。",
            code=E.STATEMENT_UNREVIEWED,
        )
    if case.stage == S.NOTIFIED and review_required(case):
        raise Conflict("本案决定前须经法制审核（行政处罚法第五十八条）。", code=E.REVIEW_REQUIRED)
    if case.stage == S.NOTIFIED and case.hearing_offered and not waived:
        window = case.deadlines.filter(step="request_hearing").first()
        if window is not None and now <= window.due:
            raise Conflict(
                f"当事人申请听证的期限（{timezone.localtime(window.due):%Y-%m-%d}）尚未届满，"
                "且未明确放弃，不得作出决定（行政处罚法第六十二条、第六十四条）。",
                code=E.RIGHTS_PERIOD_OPEN,
            )
    decide = case.deadlines.filter(step="decide").first()
    if decide is not None and now > decide.due:
        raise Conflict(
            f"已超过办案期限（立案之日起九十日，届满 {timezone.localtime(decide.due):%Y-%m-%d}），"
            "且无经批准的延期记录，不得作出决定（行政处罚法第六十条）。",
            code=E.DEADLINE_PASSED,
        )


@transaction.atomic
def case_decide(*, actor, case, version, outcome, penalty=None, reason="", waived=False) -> Case:
    """决定 (Art. 57): 处罚, 不予处罚 (with its reason) or 移送司法机关 (with the 移送函),
    within 90 days of 立案 (Art. 60), never heavier than the notified penalty nor before every
    陈述申辩 was re-checked (Art. 45), after 法制审核 where required (Art. 58), after the
    recorded 集体讨论 for a major case (Art. 57 ¶2). A penalty decision is then due for
    publication (Art. 48)."""
    case = _lock(case, version)
    _require_procedure(case, Case.Procedure.ORDINARY, "作出处罚决定")
    _require_stage(case, [S.NOTIFIED, S.HEARD, S.REVIEWED], "作出处罚决定")
    _require_case_officer(actor, case)
    if case.stage == S.HEARD:
        raise Conflict("听证后决定前须经法制审核（行政处罚法第五十八条）。", code=E.REVIEW_REQUIRED)
    if outcome not in Case.Outcome.values:
        raise ValidationFailed(
            "处理决定应为 penalty、no_penalty 或 transfer。", fields={"outcome": ["不正确"]}
        )
    now = timezone.now()
    _check_decide_allowed(case, now, bool(waived))
    kind, amount = "", Decimal("0")
    if outcome == Case.Outcome.PENALTY:
        kind, amount = _penalty(case.matter, case.party_kind, penalty)
        if (
            case.proposed_kind == Case.PenaltyKind.WARNING
            and kind == Case.PenaltyKind.FINE
            or (case.proposed_amount is not None and amount > case.proposed_amount)
        ):
            raise ValidationFailed(
                "决定不得重于事先告知的处罚（行政处罚法第四十五条：不得因当事人陈述、申辩而给予更重的处罚）。",
                code=E.PENALTY_OUT_OF_RANGE,
                fields={"penalty.amount": [f"不超过告知的 {case.proposed_amount or 0} 元"]},
            )
    if outcome == Case.Outcome.PENALTY and major_case(case, kind, amount):
        if not case.discussions.exists():
            raise Conflict(
                "重大案件给予行政处罚，应当由行政机关负责人集体讨论决定（行政处罚法第五十七条"
                "第二款）：请先记录集体讨论（参加人员、讨论记录和结论）。",
                code=E.COLLECTIVE_REQUIRED,
            )
    reason = text(reason, field="reason", label="理由", required=outcome != Case.Outcome.PENALTY)
    from_stage = case.stage
    case.outcome, case.penalty_kind, case.outcome_reason = outcome, kind, reason
    case.fine_amount = amount if kind == Case.PenaltyKind.FINE else None
    case.rights_waived = bool(waived)
    case.decided_at, case.stage = now, S.DECIDED
    _save(case, ["outcome", "penalty_kind", "fine_amount", "outcome_reason",
                 "rights_waived", "decided_at", "stage"])  # fmt: skip
    _meet(case, "decide", now)
    kind_doc = DocumentKind.TRANSFER if outcome == Case.Outcome.TRANSFER else DocumentKind.DECISION
    doc = document_issue(actor=actor, case=case, kind=kind_doc, at=now)
    if outcome != Case.Outcome.TRANSFER:
        # Art. 61: served within 7 days if the party was absent (working days, Art. 85).
        _set_deadline(case, step="serve", label="送达决定书", article="行政处罚法第六十一条",
                      start=now, value=7, unit=TimeUnit.WORK_DAYS)  # fmt: skip
    if outcome == Case.Outcome.PENALTY:
        from yiwang.enforcement.services.publication import publication_due_for_decision

        publication_due_for_decision(case, doc, now)
    record(case, actor=actor, action="decide", from_stage=from_stage, at=now, note=reason,
           data={"outcome": outcome, "penalty": kind, "amount": amount, "number": doc.number,
                 "collective": case.discussions.exists()})  # fmt: skip
    return case


@transaction.atomic
def case_extend(*, actor, case, version, days, reason: str, approver: str) -> Case:
    """延长办案期限 (Art. 60: "法律、法规、规章另有规定的除外"), approved by the agency head and
    recorded before the 90 days run out."""
    case = _lock(case, version)
    _require_stage(
        case, [S.INVESTIGATING, S.INVESTIGATED, S.NOTIFIED, S.HEARD, S.REVIEWED], "延长办案期限"
    )
    _require_case_officer(actor, case)
    days = positive_int(days, field="days", label="延长天数", high=EXTENSION_MAX_DAYS)
    reason = text(reason, field="reason", label="延期理由")
    approver = text(approver, field="approver", label="批准人", max_length=50)
    decide = case.deadlines.get(step="decide")
    now = timezone.now()
    if now > decide.due:
        raise Conflict(
            "办案期限已届满，不能再批准延期（行政处罚法第六十条）。", code=E.DEADLINE_PASSED
        )
    decide.due += dt.timedelta(days=days)
    decide.value += days
    decide.save(update_fields=["due", "value"])
    case.extension_days += days
    _save(case, ["extension_days"])
    record(case, actor=actor, action="extend", from_stage=case.stage, at=now, note=reason,
           data={"days": days, "approver": approver, "due": decide.due})  # fmt: skip
    return case


@transaction.atomic
def case_serve(*, actor, case, version, method: str = "直接送达", served_at=None) -> Case:
    """送达 the decision (Art. 61): within 7 working days; the 15-day payment clock starts."""
    case = _lock(case, version)
    _require_stage(case, [S.DECIDED], "送达")
    _require_case_officer(actor, case)
    if case.outcome == Case.Outcome.TRANSFER:
        raise Conflict("移送司法机关的案件无处罚决定书可送达，请直接结案。", code=E.WRONG_STAGE)
    now = timezone.now()
    at = moment(served_at, field="served_at", label="送达时间", default=now)
    if at > now + dt.timedelta(minutes=5) or at < case.decided_at:
        raise ValidationFailed(
            "送达时间应在决定之后、不晚于现在。", fields={"served_at": ["不正确"]}
        )
    case.served_at, case.stage = at, S.SERVED
    case.service_method = text(method, field="method", label="送达方式", max_length=40)
    _save(case, ["served_at", "stage", "service_method"])
    _meet(case, "serve", at)
    if case.fine_amount:
        # Art. 67(3): pay within 15 days of receipt (calendar days, Art. 85).
        _set_deadline(case, step="payment", label="缴纳罚款", article="行政处罚法第六十七条",
                      start=at, value=15, unit=TimeUnit.DAYS)  # fmt: skip
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.SERVICE, at=now)
    record(
        case,
        actor=actor,
        action="serve",
        from_stage=S.DECIDED,
        at=now,
        data={"method": case.service_method, "served_at": at, "number": doc.number},
    )
    return case


def late_fee(case: Case, paid_at) -> tuple[int, Decimal]:
    """(days late, 加处罚款) at `paid_at` (Art. 72(1): 3 % of the fine a day, capped at it)."""
    due = case.deadlines.filter(step="payment").values_list("due", flat=True).first()
    if due is None or not case.fine_amount or paid_at <= due:
        return 0, Decimal("0.00")
    days = (timezone.localtime(paid_at).date() - timezone.localtime(due).date()).days
    fee = (case.fine_amount * LATE_FEE_RATE * days).quantize(Decimal("0.01"))
    return days, min(fee, case.fine_amount)


@transaction.atomic
def case_record_payment(*, actor, case, version, amount, paid_at=None, on_spot=False) -> Case:
    """执行: the fine paid (罚缴分离, Art. 67), with the late fee of Art. 72 where it is due;
    on-the-spot collection only within Art. 68."""
    case = _lock(case, version)
    _require_stage(case, [S.SERVED], "登记缴款")
    _require_case_officer(actor, case)
    if not case.fine_amount:
        raise Conflict("本案没有罚款，无需登记缴款。", code=E.WRONG_STAGE)
    now = timezone.now()
    at = moment(paid_at, field="paid_at", label="缴款时间", default=now)
    if at > now + dt.timedelta(minutes=5) or at < case.served_at:
        raise ValidationFailed("缴款时间应在送达之后、不晚于现在。", fields={"paid_at": ["不正确"]})
    if on_spot and (
        case.procedure != Case.Procedure.SIMPLE or case.fine_amount > ON_SPOT_COLLECTION_LIMIT
    ):
        raise ValidationFailed(
            f"当场收缴罚款仅限依简易程序作出的 {ON_SPOT_COLLECTION_LIMIT} 元以下罚款"
            "（行政处罚法第六十八条），请当事人到指定银行或者通过电子支付缴纳。",
            code=E.ON_SPOT_COLLECTION,
            fields={"on_spot": ["不符合当场收缴条件"]},
        )
    days, fee = late_fee(case, at)
    paid = money(amount, field="amount", label="缴款金额")
    expected = case.fine_amount + fee
    if paid != expected:
        detail = f"罚款 {case.fine_amount} 元" + (
            f" + 逾期 {days} 日加处罚款 {fee} 元（行政处罚法第七十二条：每日按罚款数额的百分之三，"
            "不超过罚款数额）"
            if fee
            else ""
        )
        raise ValidationFailed(
            f"缴款金额应为 {expected} 元：{detail}。",
            fields={"amount": [f"应为 {expected} 元"]},
        )
    case.paid_amount, case.late_fee, case.paid_at, case.stage = paid, fee, at, S.EXECUTED
    _save(case, ["paid_amount", "late_fee", "paid_at", "stage"])
    _meet(case, "payment", at)
    record(
        case,
        actor=actor,
        action="record_payment",
        from_stage=S.SERVED,
        at=now,
        data={"amount": paid, "late_fee": fee, "days_late": days, "on_spot": bool(on_spot)},
    )
    return case


CLOSABLE = (S.SERVED, S.EXECUTED, S.DECIDED, S.REFERRED)


def _close_work_order(actor, case: Case, note: str) -> str:
    """Complete the linked work order with the decision as its note, where the actor may;
    the refusal is recorded on the case otherwise (never blocks the closing)."""
    from yiwang.workorders import services as wo

    order = type(case.work_order).objects.get(pk=case.work_order_id)
    try:
        if order.status == order.Status.DISPATCHED:
            order = wo.work_order_accept(actor=actor, order=order, version=order.version)
        if order.status != order.Status.HANDLING:
            return f"工单 {order.code} 状态为“{order.get_status_display()}”，未自动办结"
        wo.work_order_complete(
            actor=actor,
            order=order,
            version=order.version,
            note=note,
            no_photo_reason=f"执法案件 {case.code} 已结案，证据与决定书见案卷",
        )
    except ServiceError as exc:
        return f"工单 {order.code} 未能自动办结：{exc.message}"
    return f"工单 {order.code} 已随结案办结"


def decision_summary(case: Case) -> str:
    number = (
        case.documents.filter(
            kind__in=[DocumentKind.DECISION, DocumentKind.ON_SPOT, DocumentKind.TRANSFER],
            voided_at__isnull=True,
        )
        .values_list("number", flat=True)
        .first()
    )
    outcome = Case.Outcome(case.outcome).label if case.outcome else "移送其他机关"
    penalty = ""
    if case.penalty_kind == Case.PenaltyKind.WARNING:
        penalty = "，警告"
    elif case.fine_amount:
        penalty = f"，罚款 {case.fine_amount} 元"
    return f"执法案件 {case.code} 已结案：{outcome}{penalty}（{number or '无文号'}）。"


@transaction.atomic
def case_close(*, actor, case, version, summary: str = "") -> Case:
    """结案: the decision performed (or nothing left to perform); the linked work order is
    completed with the decision as its note."""
    case = _lock(case, version)
    _require_stage(case, CLOSABLE, "结案")
    _require_case_officer(actor, case)
    if case.stage == S.SERVED and case.fine_amount:
        raise Conflict("罚款尚未缴纳，不能结案：请登记缴款或申请强制执行（行政处罚法第七十二条）。",
                       code=E.WRONG_STAGE)  # fmt: skip
    if case.stage == S.DECIDED and case.outcome != Case.Outcome.TRANSFER:
        raise Conflict("处罚决定书尚未送达，不能结案（行政处罚法第六十一条）。", code=E.WRONG_STAGE)
    now = timezone.now()
    from_stage = case.stage
    case.summary = text(summary, field="summary", label="结案报告", required=False) or (
        decision_summary(case)
    )
    case.closed_at, case.stage = now, S.CLOSED
    _save(case, ["summary", "closed_at", "stage"])
    case.deadlines.filter(state__in=[D.OPEN, D.PAUSED]).update(state=D.MET, met_at=now)
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.CLOSING, at=now)
    order_note = (
        _close_work_order(actor, case, decision_summary(case)) if case.work_order_id else ""
    )
    record(
        case,
        actor=actor,
        action="close",
        from_stage=from_stage,
        at=now,
        note=order_note,
        data={"number": doc.number},
    )
    return case


def case_for_update(*, user, id) -> Case:  # noqa: A002
    from yiwang.accounts.scope import access_or_404

    return access_or_404(Case.objects.all(), user=user, message="案件不存在或无权查看。", pk=id)


__all__ = [
    "NotFound",
    "case_add_evidence",
    "case_close",
    "case_decide",
    "case_decide_on_spot",
    "case_end_investigation",
    "case_extend",
    "case_file",
    "case_hold_hearing",
    "case_legal_review",
    "case_notify",
    "case_open",
    "case_record_payment",
    "case_request_hearing",
    "case_serve",
]
