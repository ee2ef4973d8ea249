"""红色朋友圈 services: alliance units, their projects, and residents' 微心愿 (one function per
use case, one transaction, one audit event). Units hold no accounts: the community's staff
(党群专员, 街道) record what a unit commits, claims and delivers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from yiwang.fieldwork import geo
from yiwang.party.models import AllianceUnit, ServiceProject, Wish
from yiwang.party.residents import people_of
from yiwang.party.services.common import is_staff_for

ALLIANCE_ROLES = {Role.ADMIN, Role.LEADER, Role.PARTY_SPECIALIST}


def _require_role(actor) -> None:
    """The role gate, judged before the body is read (a refusal names no field)."""
    if actor is not None and not (actor.is_authenticated and actor.has_role(*ALLIANCE_ROLES)):
        raise Forbidden("只有党群工作人员可以维护红色朋友圈。")


def _require_staff(actor, code: str) -> None:
    _require_role(actor)
    if actor is not None and not is_staff_for(actor, code):
        raise Forbidden("只有党群工作人员可以维护红色朋友圈。")


def region_code_of(code) -> str:
    from yiwang.grids.models import Region

    region = Region.objects.filter(
        code=str(code or "").strip(), level__in=["street", "community"]
    ).first()
    if region is None:
        raise ValidationFailed("社区或街道不存在。", fields={"community": ["编码无效"]})
    return region.code


def fetch_visible(model, actor, pk, label: str):
    qs = model.objects.all() if actor is None else model.objects.visible_to(actor)
    try:
        row = qs.filter(pk=int(getattr(pk, "pk", pk))).first()
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(f"{label}不存在。")
    return row


@transaction.atomic
def alliance_unit_register(*, actor, name: str, community, commitments=(), uscc: str = "",
                           contact: str = "") -> AllianceUnit:  # fmt: skip
    """Register an alliance unit (共建单位入驻), linked to the 法人库 by its credit code."""
    from yiwang.basedata.models import LegalEntity

    _require_role(actor)
    code = region_code_of(community)
    _require_staff(actor, code)
    entity = None
    if uscc:
        entity = LegalEntity.objects.filter(uscc=str(uscc).strip().upper()).first()
        if entity is None:
            raise ValidationFailed("法人库中没有该统一社会信用代码。", fields={"uscc": ["未登记"]})
    if not isinstance(commitments, list | tuple) or len(commitments) > 20:
        raise ValidationFailed("承诺事项须为列表（最多 20 条）。", fields={"commitments": ["格式"]})
    items = [geo.text(c, field="commitments", label="承诺事项", max_length=100, required=True)
             for c in commitments]  # fmt: skip
    unit = AllianceUnit.objects.create(
        name=geo.text(name or (entity.name if entity else ""), field="name", label="单位名称",
                      max_length=200, required=True),
        legal_entity=entity, region_code=code, commitments=items, joined_on=timezone.localdate(),
        contact=geo.text(contact, field="contact", label="联系人", max_length=50),
    )  # fmt: skip
    after = snapshot(unit, ["name", "legal_entity", "region_code", "commitments"])
    audit_record(actor=actor, action="party.alliance.register", target=unit, after=after)
    return unit


@transaction.atomic
def project_create(*, actor, unit, title: str, description: str = "") -> ServiceProject:
    row = fetch_visible(AllianceUnit, actor, unit, "共建单位")
    _require_staff(actor, row.region_code)
    project = ServiceProject.objects.create(
        unit=row, region_code=row.region_code,
        title=geo.text(title, field="title", label="项目名称", max_length=100, required=True),
        description=geo.text(description, field="description", label="项目内容", max_length=2000),
    )  # fmt: skip
    audit_record(actor=actor, action="party.project.create", target=project,
                 after={"unit": row.pk, "title": project.title})  # fmt: skip
    return project


@transaction.atomic
def project_progress(
    *, actor, project, version, progress_pct, beneficiaries, note: str
) -> ServiceProject:
    """Report progress (项目进展): percentage, beneficiaries so far, a dated note."""
    row = fetch_visible(ServiceProject, actor, project, "服务项目")
    _require_staff(actor, row.region_code)
    row = ServiceProject.objects.select_for_update().get(pk=row.pk)
    check_version(row, version)
    pct = geo.number(
        progress_pct, field="progress_pct", label="进度", low=0, high=100, required=True
    )
    people = geo.number(beneficiaries, field="beneficiaries", label="受益人次", low=0, high=10**7,
                        required=True)  # fmt: skip
    if pct < row.progress_pct or people < row.beneficiaries:
        raise ValidationFailed("进度与受益人次只能增加。", fields={"progress_pct": ["不能倒退"]})
    text = geo.text(note, field="note", label="进展说明", max_length=200, required=True)
    before = snapshot(row, ["status", "progress_pct", "beneficiaries"])
    row.progress_pct, row.beneficiaries = int(pct), int(people)
    row.status = ServiceProject.Status.DONE if pct >= 100 else ServiceProject.Status.ONGOING
    row.log = [*row.log, {"at": timezone.now().isoformat(), "pct": int(pct), "note": text}]
    row.bump_version(fields=["status", "progress_pct", "beneficiaries", "log"])
    audit_record(actor=actor, action="party.project.progress", target=row, before=before,
                 after=snapshot(row, ["status", "progress_pct", "beneficiaries"]))  # fmt: skip
    return row


@transaction.atomic
def wish_post(*, actor, title: str, description: str = "", community=None) -> Wish:
    """A resident posts a 微心愿 in the community they live in (staff may post on behalf of a
    resident in a community of theirs)."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden("请先登录。")
    homes = {p.grid.parent.code for p in people_of(actor) if p.grid.parent_id}
    code = region_code_of(community) if community else (sorted(homes)[0] if homes else "")
    if not code or (code not in homes and not is_staff_for(actor, code)):
        raise Forbidden("只有本社区登记的居民或社区工作人员可以许微心愿。")
    wish = Wish.objects.create(
        region_code=code, proposer=actor,
        title=geo.text(title, field="title", label="心愿", max_length=100, required=True),
        description=geo.text(description, field="description", label="说明", max_length=1000),
    )  # fmt: skip
    audit_record(actor=actor, action="party.wish.post", target=wish, after={"title": wish.title})
    return wish


@transaction.atomic
def wish_claim(*, actor, wish, version, unit) -> Wish:
    """An alliance unit claims a wish (认领); a wish is claimed once (409 after)."""
    row = fetch_visible(Wish, actor, wish, "微心愿")
    _require_staff(actor, row.region_code)
    row = Wish.objects.select_for_update().get(pk=row.pk)
    check_version(row, version)
    if row.status != Wish.Status.OPEN:
        raise Conflict("该微心愿已被认领。", code="already_claimed")
    unit_row = fetch_visible(AllianceUnit, actor, unit, "共建单位")
    row.status, row.unit, row.claimed_at = Wish.Status.CLAIMED, unit_row, timezone.now()
    row.bump_version(fields=["status", "unit", "claimed_at"])
    audit_record(actor=actor, action="party.wish.claim", target=row, after={"unit": unit_row.pk})
    return row


@transaction.atomic
def wish_fulfil(*, actor, wish, version, note: str) -> Wish:
    """The claiming unit delivers (兑现)."""
    row = fetch_visible(Wish, actor, wish, "微心愿")
    _require_staff(actor, row.region_code)
    row = Wish.objects.select_for_update().get(pk=row.pk)
    check_version(row, version)
    if row.status != Wish.Status.CLAIMED:
        raise Conflict("微心愿须先认领才能兑现。", code="invalid_state")
    row.fulfilment_note = geo.text(note, field="note", label="兑现情况", max_length=200,
                                   required=True)  # fmt: skip
    row.status, row.fulfilled_at = Wish.Status.FULFILLED, timezone.now()
    row.bump_version(fields=["status", "fulfilled_at", "fulfilment_note"])
    audit_record(actor=actor, action="party.wish.fulfil", target=row,
                 after={"note": row.fulfilment_note})  # fmt: skip
    return row
