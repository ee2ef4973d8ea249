"""Every write of the economy desk: one function per use case, one transaction, one audit row.

Who may do what:
- the economic development bureau (经济发展局 staff, street leaders, administrators;
  `is_bureau`): firm profiles, figures and their import, officials, evaluation settings and
  runs, policies;
- an official assigned to a firm (挂钩人员): visits, requests on the firm's behalf;
- a company user linked to a firm (企业用户): the firm's requests and their rating.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import Membership, OrgUnit, Role, User
from yiwang.basedata.cleaning import FieldError, clean_phone, clean_text
from yiwang.basedata.models import LegalEntity
from yiwang.core.audit import acting_user, audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from yiwang.core.validators import check_uscc
from yiwang.economy import evaluation as ev
from yiwang.economy import rules
from yiwang.economy.errors import EconomyErrorCode as Code
from yiwang.economy.industries import DIVISIONS, section_of, size_class
from yiwang.economy.models import (
    EnterpriseRequest,
    EvaluationResult,
    EvaluationRun,
    EvaluationScheme,
    FirmContact,
    FirmFigures,
    FirmProfile,
    FirmUser,
    OfficialAssignment,
    Policy,
    PolicyNotice,
    ServiceVisit,
)

BUREAU_NAME = "经济发展局"
FIRM_KINDS = {LegalEntity.Kind.ENTERPRISE, LegalEntity.Kind.INDIVIDUAL}
PROFILE_FIELDS = [
    "industry",
    "size_class",
    "above_scale",
    "address",
    "grid",
    "established_on",
    "rating_exempt",
    "visit_cadence_days",
]
FIGURE_FIELDS = ["revenue", "tax", "energy", "land_mu", "employees", "assets"]


# ============================================================================ who may


def is_bureau(user) -> bool:
    """经济发展局 staff, street leaders and administrators run the economy desk."""
    user = acting_user(user)
    if user is None:
        return False
    if user.is_superuser or user.has_role(Role.ADMIN, Role.LEADER):
        return True
    return Membership.objects.filter(
        user=user, role=Role.DEPARTMENT_STAFF, org_unit__name=BUREAU_NAME
    ).exists()


def is_official_of(user, firm) -> bool:
    user = acting_user(user)
    return user is not None and (
        OfficialAssignment.objects.filter(firm=firm, official=user, is_active=True).exists()
    )


def firm_of_user(user) -> FirmProfile | None:
    user = acting_user(user)
    if user is None:
        return None
    link = FirmUser.objects.filter(user=user).select_related("firm__entity").first()
    return link.firm if link else None


def require_bureau(actor) -> None:
    if actor is not None and not is_bureau(actor):
        raise Forbidden("只有经济发展局、街道领导或管理员可以执行此操作。", code=Code.FORBIDDEN)


def _require_visible(actor, firm: FirmProfile) -> FirmProfile:
    if actor is None:
        return firm
    if not FirmProfile.objects.visible_to(actor).filter(pk=firm.pk).exists():
        raise NotFound("未找到该企业。")
    return firm


def _field_failed(exc: FieldError) -> ValidationFailed:
    return ValidationFailed(exc.message, fields={exc.field: [exc.message]})


# ============================================================================ values


def parse_decimal(value, *, field: str, label: str, required: bool, non_negative=True):
    """A finite Decimal (or None when optional and blank); clear Chinese errors otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(field, f"{label}不能为空。")
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"{label}必须是数字。")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise FieldError(field, f"{label}必须是数字。")
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise FieldError(field, f"{label}必须是有效的数字。")
    if non_negative and number < 0:
        raise FieldError(field, f"{label}不能为负数。")
    return number.quantize(Decimal("0.01"))


def parse_int(value, *, field: str, label: str, minimum: int = 0, maximum: int = 10**9) -> int:
    if isinstance(value, bool):
        raise FieldError(field, f"{label}必须是整数。")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise FieldError(field, f"{label}必须是整数。")
    if not number.is_finite() or number != number.to_integral_value():
        raise FieldError(field, f"{label}必须是整数。")
    if not minimum <= number <= maximum:
        raise FieldError(field, f"{label}须在 {minimum}～{maximum} 之间。")
    return int(number)


def parse_year(value, field: str = "year") -> int:
    this_year = timezone.localdate().year
    return parse_int(value, field=field, label="年度", minimum=2000, maximum=this_year)


def _parse_bool(value, *, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "是"}:
        return True
    if text in {"0", "false", "no", "off", "否", ""}:
        return False
    raise FieldError(field, f"{label}须为 是/否。")


def _parse_date(value, *, field: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError(field, f"{label}格式应为 YYYY-MM-DD。")


def _parse_industry(value) -> str:
    code = str(value or "").strip()
    if code and code not in DIVISIONS:
        raise FieldError("industry", f"行业大类代码 {code} 不在 GB/T 4754-2017 中（应为 01–97）。")
    return code


def _grid_region(value, field: str = "grid"):
    from yiwang.grids.models import Region

    code = str(getattr(value, "code", value) or "").strip()
    region = Region.objects.filter(code=code, level=Region.Level.GRID).first()
    if region is None:
        raise FieldError(field, f"网格编码 {code} 不存在（须为网格级编码）。")
    return region


# ============================================================================ firm profile


def _clean_profile(changes: dict) -> dict:
    cleaned = {}
    for name, value in changes.items():
        if name == "industry":
            cleaned[name] = _parse_industry(value)
        elif name == "size_class":
            if value not in ("", "large", "medium", "small", "micro"):
                raise FieldError(name, "企业规模应为 large、medium、small、micro 之一。")
            cleaned[name] = value
        elif name in ("above_scale", "rating_exempt"):
            label = "规上企业" if name == "above_scale" else "不参评"
            cleaned[name] = _parse_bool(value, field=name, label=label)
        elif name == "address":
            cleaned[name] = clean_text(name, value, label="生产经营地址", max_length=200)
        elif name == "grid":
            cleaned[name] = _grid_region(value)
        elif name == "established_on":
            cleaned[name] = _parse_date(value, field=name, label="成立日期")
        elif name == "visit_cadence_days":
            cleaned[name] = parse_int(value, field=name, label="走访周期", minimum=1, maximum=730)
        else:
            raise FieldError(name, f"不能修改的字段：{name}。")
    return cleaned


@transaction.atomic
def firm_profile_create(*, actor, entity: LegalEntity, **fields) -> FirmProfile:
    """Open the economic profile (企业档案) of a 法人 of kind 企业 or 个体工商户."""
    require_bureau(actor)
    if entity.kind not in FIRM_KINDS:
        raise ValidationFailed(
            "只有企业和个体工商户可以建立企业档案。",
            code=Code.NOT_A_FIRM,
            fields={"entity": ["类型须为企业或个体工商户"]},
        )
    if FirmProfile.objects.filter(entity=entity).exists():
        raise Conflict("该法人已有企业档案。", code=Code.DUPLICATE, fields={"entity": ["已建档"]})
    try:
        cleaned = _clean_profile(fields)
    except FieldError as exc:
        raise _field_failed(exc)
    firm = FirmProfile(entity=entity, grid_id=entity.grid_id, address=entity.address)
    for name, value in cleaned.items():
        setattr(firm, name, value)
    if not firm.industry:
        firm.industry = _parse_industry(entity.industry) if entity.industry in DIVISIONS else ""
    firm.industry_section = section_of(firm.industry)
    firm.save()
    audit_record(
        actor=actor, action="economy.firm.create", target=firm, after=snapshot(firm, PROFILE_FIELDS)
    )
    return firm


@transaction.atomic
def firm_register(
    *, actor, name: str, uscc: str, grid, kind: str = "enterprise", address: str = "", **fields
) -> FirmProfile:
    """Register a new firm in the 法人库 and open its profile. The credit code is checked
    against GB 32100 (check character MOD 31) before anything is written."""
    require_bureau(actor)
    code = str(uscc or "").strip().upper()
    problem = check_uscc(code)
    if problem:
        raise ValidationFailed(problem, fields={"uscc": [problem]})
    if kind not in FIRM_KINDS:
        raise ValidationFailed(
            "类型须为企业（enterprise）或个体工商户（individual）。",
            code=Code.NOT_A_FIRM,
            fields={"kind": ["类型无效"]},
        )
    if LegalEntity.objects.filter(uscc=code).exists():
        raise Conflict(
            "该统一社会信用代码已登记。", code=Code.DUPLICATE, fields={"uscc": ["已登记"]}
        )
    from yiwang.basedata.services import entity_create

    # The bureau is not an editor of the base registries; the economy desk registers the 法人
    # on its behalf (the bureau's own audit row below names the person).
    entity = entity_create(
        actor=None,
        name=name,
        uscc=code,
        kind=kind,
        address=address,
        grid=str(getattr(grid, "code", grid) or ""),
        industry=str(fields.get("industry", "") or ""),
    )
    return firm_profile_create(actor=actor, entity=entity, address=address, **fields)


@transaction.atomic
def firm_profile_update(*, actor, firm: FirmProfile, version, **changes) -> FirmProfile:
    require_bureau(actor)
    _require_visible(actor, firm)
    try:
        cleaned = _clean_profile(changes)
    except FieldError as exc:
        raise _field_failed(exc)
    firm = FirmProfile.objects.select_for_update(of=("self",)).get(pk=firm.pk)
    check_version(firm, version)
    before = snapshot(firm, PROFILE_FIELDS)
    for name, value in cleaned.items():
        setattr(firm, name, value)
    firm.industry_section = section_of(firm.industry)
    firm.bump_version(fields=[*cleaned, "industry_section", "updated_at"])
    audit_record(
        actor=actor,
        action="economy.firm.update",
        target=firm,
        before=before,
        after=snapshot(firm, PROFILE_FIELDS),
    )
    return firm


@transaction.atomic
def firm_contact_add(*, actor, firm: FirmProfile, name: str, title: str = "", phone: str = ""):
    """A contact of the firm (联系人); the phone is stored encrypted and shown masked."""
    if not (is_bureau(actor) or is_official_of(actor, firm)):
        raise Forbidden("只有经济发展局或挂钩人员可以维护联系人。")
    try:
        contact = FirmContact(
            firm=firm,
            name=clean_text("name", name, label="姓名", max_length=50, required=True),
            title=clean_text("title", title, label="职务", max_length=50),
            phone=clean_phone(phone, label="电话"),
        )
    except FieldError as exc:
        raise _field_failed(exc)
    contact.save()
    audit_record(
        actor=actor,
        action="economy.contact.add",
        target=contact,
        after={"firm": firm.pk, "name": contact.name, "phone": contact.phone_masked},
    )
    return contact


# ============================================================================ figures


def clean_figures(values: dict) -> dict:
    """Validate one year's figures (raises FieldError): revenue and tax required, none
    negative; land in 亩."""
    out = {
        "revenue": parse_decimal(
            values.get("revenue"), field="revenue", label="营业收入", required=True
        ),
        "tax": parse_decimal(values.get("tax"), field="tax", label="实缴税金", required=True),
        "energy": parse_decimal(
            values.get("energy"), field="energy", label="综合能耗", required=False
        ),
        "land_mu": parse_decimal(
            values.get("land_mu"), field="land_mu", label="用地面积（亩）", required=False
        )
        or Decimal("0"),
        "assets": parse_decimal(
            values.get("assets"), field="assets", label="资产总额", required=False
        ),
    }
    employees = values.get("employees")
    out["employees"] = (
        0
        if employees in (None, "")
        else parse_int(employees, field="employees", label="从业人员", maximum=10**7)
    )
    return out


def refresh_size_class(firm: FirmProfile) -> None:
    """Size class from the latest year's figures (统计上大中小微型企业划分办法（2017）)."""
    latest = firm.figures.order_by("-year").first()
    if latest is None or not firm.industry:
        return
    klass = size_class(
        firm.industry, employees=latest.employees, revenue=latest.revenue, assets=latest.assets
    )
    if klass and (klass, latest.year) != (firm.size_class, firm.size_year):
        FirmProfile.objects.filter(pk=firm.pk).update(size_class=klass, size_year=latest.year)
        firm.size_class, firm.size_year = klass, latest.year


@transaction.atomic
def firm_figures_save(*, actor, firm: FirmProfile, year, version=None, **values) -> FirmFigures:
    """Enter (or correct, with `version`) one year's figures of a firm."""
    require_bureau(actor)
    _require_visible(actor, firm)
    try:
        year = parse_year(year)
        cleaned = clean_figures(values)
    except FieldError as exc:
        raise _field_failed(exc)
    existing = FirmFigures.objects.select_for_update().filter(firm=firm, year=year).first()
    if existing is not None:
        if version is None:
            raise Conflict(
                f"{year}年度数据已存在；修改时请提供版本号 version。",
                code=Code.DUPLICATE,
                fields={"year": ["已存在"]},
            )
        check_version(existing, version)
        before = snapshot(existing, FIGURE_FIELDS)
        for name, value in cleaned.items():
            setattr(existing, name, value)
        existing.bump_version(fields=[*FIGURE_FIELDS, "updated_at"])
        figures, action = existing, "economy.figures.update"
    else:
        before = None
        try:
            with transaction.atomic():
                figures = FirmFigures.objects.create(firm=firm, year=year, **cleaned)
        except IntegrityError:  # entered at the same moment by someone else
            raise Conflict(f"{year}年度数据已存在，请刷新后重试。", code=Code.DUPLICATE)
        action = "economy.figures.create"
    refresh_size_class(firm)
    audit_record(
        actor=actor,
        action=action,
        target=figures,
        before=before,
        after={"year": year, **snapshot(figures, FIGURE_FIELDS)},
    )
    return figures


# ============================================================================ 挂钩服务


@transaction.atomic
def official_assign(*, actor, firm: FirmProfile, official: User, kind: str = "staff"):
    """Assign an official (a leader or department staff) to a firm (挂钩服务)."""
    require_bureau(actor)
    _require_visible(actor, firm)
    if kind not in OfficialAssignment.Kind.values:
        raise ValidationFailed("挂钩类型应为 leader 或 staff。", fields={"kind": ["类型无效"]})
    staff_roles = {Role.LEADER, Role.DEPARTMENT_STAFF, Role.DISPATCHER, Role.ADMIN}
    if not (official.is_superuser or official.roles() & staff_roles):
        raise ValidationFailed(
            "挂钩人员须为街道领导或部门工作人员。", fields={"official": ["角色不符"]}
        )
    if OfficialAssignment.objects.filter(firm=firm, official=official, is_active=True).exists():
        raise Conflict("该人员已挂钩此企业。", code=Code.DUPLICATE, fields={"official": ["已挂钩"]})
    assignment = OfficialAssignment.objects.create(firm=firm, official=official, kind=kind)
    audit_record(
        actor=actor,
        action="economy.official.assign",
        target=assignment,
        after={"firm": firm.pk, "official": official.pk, "kind": kind},
    )
    return assignment


def official_candidates() -> list[User]:
    """Who may be assigned to firms: street leaders and department staff."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role__in=[Role.LEADER, Role.DEPARTMENT_STAFF],
        )
        .distinct()
        .order_by("display_name", "username")
    )


@transaction.atomic
def official_unassign(*, actor, assignment: OfficialAssignment) -> OfficialAssignment:
    require_bureau(actor)
    updated = OfficialAssignment.objects.filter(pk=assignment.pk, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict("该挂钩关系已解除。")
    assignment.is_active = False
    audit_record(actor=actor, action="economy.official.unassign", target=assignment)
    return assignment


def _unit_name(user) -> str:
    membership = (
        Membership.objects.filter(user=user)
        .exclude(role=Role.RESIDENT)
        .select_related("org_unit")
        .order_by("id")
        .first()
    )
    return membership.org_unit.name if membership else ""


@transaction.atomic
def visit_record(
    *, actor, firm: FirmProfile, visited_on, summary: str, raised: str = ""
) -> ServiceVisit:
    """Record a service visit (走访服务) by the firm's official. Not an inspection: it never
    counts against the inspection caps (国办发〔2024〕54号) of the enforcement module."""
    user = acting_user(actor)
    if not (is_official_of(user, firm) or is_bureau(user)):
        raise Forbidden("只有该企业的挂钩人员或经济发展局可以登记走访。")
    try:
        day = _parse_date(visited_on, field="visited_on", label="走访日期")
        if day is None:
            raise FieldError("visited_on", "走访日期不能为空。")
        if day > timezone.localdate():
            raise FieldError("visited_on", "走访日期不能晚于今天。")
        summary = clean_text("summary", summary, label="走访情况", max_length=2000, required=True)
        raised = clean_text("raised", raised, label="企业反映的问题", max_length=2000)
    except FieldError as exc:
        raise _field_failed(exc)
    visit = ServiceVisit.objects.create(
        firm=firm,
        official=user,
        unit_name=_unit_name(user),
        visited_on=day,
        summary=summary,
        raised=raised,
    )
    FirmProfile.objects.filter(pk=firm.pk).filter(
        Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=day)
    ).update(last_visit_on=day)
    audit_record(
        actor=actor,
        action="economy.visit.record",
        target=visit,
        after={"firm": firm.pk, "visited_on": day, "raised": bool(raised)},
    )
    return visit


@transaction.atomic
def firm_user_link(*, actor, firm: FirmProfile, user: User) -> FirmUser:
    """Link a company user (account of role 居民/企业) to its firm."""
    require_bureau(actor)
    if not user.has_role(Role.RESIDENT) or user.is_superuser:
        raise ValidationFailed("企业用户须为“居民/企业”角色的账号。", fields={"user": ["角色不符"]})
    if FirmUser.objects.filter(user=user).exists():
        raise Conflict("该账号已绑定企业。", code=Code.DUPLICATE, fields={"user": ["已绑定"]})
    link = FirmUser.objects.create(user=user, firm=firm)
    audit_record(actor=actor, action="economy.firm_user.link", target=link, after={"firm": firm.pk})
    return link


# ============================================================================ 企业诉求

ENTERPRISE_BIG_CLASS = ("QY", "企业诉求")
# code, name, primary department, cooperating departments, limit (working days; a local
# time limit set by the street: no statute fixes one for enterprise requests).
ENTERPRISE_CATEGORIES = [
    ("QY01", "用地", "经济发展局", ["社区治理局"], 10),
    ("QY02", "用工", "社会事业局", ["经济发展局"], 10),
    ("QY03", "融资", "经济发展局", [], 10),
    ("QY04", "审批", "经济发展局", ["党政办"], 5),
    ("QY05", "政策", "经济发展局", [], 5),
    ("QY06", "基础设施", "社区治理局", ["经济发展局"], 10),
    ("QY07", "安全生产服务", "安全生产监督管理局", [], 10),
    ("QY99", "其他企业诉求", "经济发展局", [], 10),
]


def enterprise_categories() -> list:
    """The small classes of enterprise requests (existing rows only)."""
    from yiwang.workorders.models import Category

    return list(Category.objects.filter(parent__code=ENTERPRISE_BIG_CLASS[0], is_active=True))


@transaction.atomic
def enterprise_catalogue_install(*, actor=None) -> dict:
    """Create the 企业诉求 categories and, where the street has the departments, their
    responsibility rules (through the work-order services). Idempotent."""
    from yiwang.workorders.models import Category, ResponsibilityRule
    from yiwang.workorders.services import responsibility_rule_save

    big, _ = Category.objects.get_or_create(
        code=ENTERPRISE_BIG_CLASS[0],
        defaults={"name": ENTERPRISE_BIG_CLASS[1], "kind": Category.Kind.LOCAL},
    )
    created = rules_made = 0
    departments = {
        u.name: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, is_active=True)
    }
    for order, (code, name, primary, coop, limit) in enumerate(ENTERPRISE_CATEGORIES):
        cat, made = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": big,
                "kind": Category.Kind.LOCAL,
                "is_local_extension": True,
                "sort_order": order,
            },
        )
        created += made
        if primary not in departments:
            continue
        if ResponsibilityRule.objects.filter(category=cat, is_current=True).exists():
            continue
        responsibility_rule_save(
            actor=actor,
            category=cat,
            primary_department=departments[primary],
            cooperating_departments=[departments[d] for d in coop if d in departments],
            limit_value=limit,
            note="企业诉求（街道自定时限）",
        )
        rules_made += 1
    return {"categories": created, "rules": rules_made}


def _request_place(firm: FirmProfile) -> dict:
    entity = firm.entity
    if entity.lon is not None and entity.lat is not None:
        return {"lon": entity.lon, "lat": entity.lat, "address": firm.address or entity.address}
    address = firm.address or entity.address
    if not address:
        raise ValidationFailed(
            "该企业没有位置或地址，请先完善企业档案。",
            code=Code.NO_LOCATION,
            fields={"firm": ["缺少位置"]},
        )
    return {"address": address}


@transaction.atomic
def enterprise_request_create(
    *, actor, firm: FirmProfile, description: str, category: str = ""
) -> EnterpriseRequest:
    """A firm's request (企业诉求), raised by its company user or by its official on its
    behalf; it runs through the work-order loop as channel `enterprise`."""
    from yiwang.workorders.models import Category, WorkOrder
    from yiwang.workorders.services import work_order_create

    user = acting_user(actor)
    own = user is not None and FirmUser.objects.filter(user=user, firm=firm).exists()
    if not own and not (is_official_of(user, firm) or is_bureau(user)):
        raise NotFound("未找到该企业。")
    code = str(category or "").strip()
    if (
        code
        and not Category.objects.filter(
            code=code, parent__code=ENTERPRISE_BIG_CLASS[0], is_active=True
        ).exists()
    ):
        raise ValidationFailed("诉求类别无效。", fields={"category": ["须为企业诉求类别"]})
    reporter = user
    if not own:
        link = FirmUser.objects.filter(firm=firm).select_related("user").order_by("id").first()
        reporter = link.user if link else user  # the firm rates what its official raised
    order = work_order_create(
        actor=actor,
        description=description,
        category=code or None,
        channel=WorkOrder.Channel.ENTERPRISE,
        reporter=reporter,
        **_request_place(firm),
    )
    request = EnterpriseRequest.objects.create(
        firm=firm, work_order=order, raised_by=user, on_behalf=not own
    )
    audit_record(
        actor=actor,
        action="economy.request.create",
        target=request,
        after={"firm": firm.pk, "work_order": order.pk, "on_behalf": not own},
    )
    return request


def enterprise_request_rate(
    *, actor, enterprise_request: EnterpriseRequest, version, satisfaction: str, comment: str = ""
):
    """The firm rates a handled request (the work-order rating; its service audits it)."""
    from yiwang.workorders.services import work_order_rate

    return work_order_rate(
        actor=actor,
        order=enterprise_request.work_order,
        version=version,
        satisfaction=satisfaction,
        comment=comment,
    )


# ============================================================================ 亩均效益评价


def current_scheme() -> EvaluationScheme:
    scheme = EvaluationScheme.objects.order_by("id").first()
    if scheme is None:
        scheme = EvaluationScheme.objects.create(
            weights=dict(ev.DEFAULT_WEIGHTS), cutoffs=dict(ev.DEFAULT_CUTOFFS)
        )
    return scheme


@transaction.atomic
def evaluation_scheme_save(
    *,
    actor,
    version,
    weights=None,
    cutoffs=None,
    benchmark_factor=None,
    min_land_mu=None,
) -> EvaluationScheme:
    """Change the evaluation settings; weights must sum to 100 %."""
    require_bureau(actor)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=current_scheme().pk)
    check_version(scheme, version)
    before = snapshot(scheme, ["weights", "cutoffs", "benchmark_factor", "min_land_mu"])
    if weights is not None:
        scheme.weights = ev.clean_weights(weights)
    if cutoffs is not None:
        scheme.cutoffs = ev.clean_cutoffs(cutoffs)
    try:
        if benchmark_factor is not None:
            factor = parse_decimal(
                benchmark_factor, field="benchmark_factor", label="基准值倍数", required=True
            )
            if not 0 < factor <= 10:
                raise FieldError("benchmark_factor", "基准值倍数须大于 0 且不超过 10。")
            scheme.benchmark_factor = factor
        if min_land_mu is not None:
            scheme.min_land_mu = parse_decimal(
                min_land_mu, field="min_land_mu", label="参评用地（亩）", required=True
            )
    except FieldError as exc:
        raise _field_failed(exc)
    scheme.bump_version(
        fields=["weights", "cutoffs", "benchmark_factor", "min_land_mu", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="economy.scheme.update",
        target=scheme,
        before=before,
        after=snapshot(scheme, ["weights", "cutoffs", "benchmark_factor", "min_land_mu"]),
    )
    return scheme


def _evaluation_inputs(actor, year: int, min_land: Decimal) -> list[ev.FirmInput]:
    """One query: the figures of the year of every firm in scope (规上, or ≥ min_land 亩).
    Read through the cursor (plain numbers, no Decimal per cell): 20,000 firms in ~0.1 s."""
    from django.db import connection

    firms = FirmProfile.objects.all() if actor is None else FirmProfile.objects.visible_to(actor)
    qs = (
        FirmFigures.objects.filter(year=year, firm__in=firms.values("pk"))
        .filter(Q(firm__above_scale=True) | Q(land_mu__gte=min_land))
        .values_list(
            "firm_id",
            "revenue",
            "tax",
            "energy",
            "land_mu",
            "employees",
            "firm__above_scale",
            "firm__rating_exempt",
            "firm__established_on",
        )
        .order_by()
    )
    sql, params = qs.query.sql_with_params()
    # 新设企业 (founded less than two years before the end of the year) are T.
    young_after = dt.date(year - 1, 1, 1)
    out = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for fid, revenue, tax, energy, land, staff, above, exempt, founded in cursor.fetchall():
            reason = "按规定不参评（公用事业等）" if exempt else ""
            if not reason and founded is not None:
                if isinstance(founded, str):
                    founded = dt.date.fromisoformat(founded)
                if founded >= young_after:
                    reason = "成立不满两年"
            out.append(
                ev.FirmInput(
                    fid,
                    float(revenue),
                    float(tax),
                    None if energy is None else float(energy),
                    float(land),
                    staff,
                    bool(above),
                    reason,
                )
            )
    return out


def _insert_results(run: EvaluationRun, outcomes) -> None:
    """All results of a run in multi-row INSERTs of 1,000 rows: the ORM's bulk_create spends
    more time preparing 20,000 rows than the database takes to write them, and one statement
    per row costs a round trip each on PostgreSQL."""
    import json

    from django.db import connection

    table = connection.ops.quote_name(EvaluationResult._meta.db_table)
    facts = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    head = f"INSERT INTO {table} (run_id, firm_id, score, rank, klass, facts) VALUES "
    one = f"(%s, %s, %s, %s, %s, {facts})"
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with connection.cursor() as cursor:
        for start in range(0, len(outcomes), 1000):
            chunk = outcomes[start : start + 1000]
            params = []
            for o in chunk:
                params += [run.pk, o.firm_id, o.score, o.rank, o.klass, dumps(o.facts)]
            cursor.execute(head + ", ".join([one] * len(chunk)), params)


@transaction.atomic
def evaluation_run(*, actor, year) -> EvaluationRun:
    """Run the yearly 亩均效益评价 over the firms of the actor's territory; the new run
    supersedes an earlier one of the same year."""
    require_bureau(actor)
    try:
        year = parse_year(year)
    except FieldError as exc:
        raise _field_failed(exc)
    # Runs take the settings row's lock: two runs of a year never both end up current.
    scheme = EvaluationScheme.objects.select_for_update().get(pk=current_scheme().pk)
    weights = ev.clean_weights(scheme.weights)
    cutoffs = ev.clean_cutoffs(scheme.cutoffs)
    inputs = _evaluation_inputs(actor, year, scheme.min_land_mu)
    if not inputs:
        raise ValidationFailed(
            f"{year}年没有参评企业（规上企业或用地 ≥ {scheme.min_land_mu} 亩且有年度数据的企业）。",
            fields={"year": ["无参评企业"]},
        )
    outcomes, benchmarks, counts = ev.evaluate(
        inputs, weights=weights, cutoffs=cutoffs, factor=float(scheme.benchmark_factor)
    )
    EvaluationRun.objects.filter(year=year, is_current=True).update(is_current=False)
    run = EvaluationRun.objects.create(
        year=year,
        scheme={
            "weights": weights,
            "cutoffs": cutoffs,
            "benchmark_factor": float(scheme.benchmark_factor),
            "min_land_mu": float(scheme.min_land_mu),
        },
        counts=counts,
        benchmarks=benchmarks,
        created_by=acting_user(actor),
    )
    _insert_results(run, outcomes)
    audit_record(actor=actor, action="economy.evaluation.run", target=run, after={"counts": counts})
    return run


# ============================================================================ 惠企政策


def _clean_policy(title, summary, issuer, rule) -> dict:
    try:
        out = {
            "title": clean_text("title", title, label="政策名称", max_length=200, required=True),
            "summary": clean_text("summary", summary, label="政策内容", max_length=5000),
            "issuer": clean_text("issuer", issuer, label="发布单位", max_length=100),
        }
    except FieldError as exc:
        raise _field_failed(exc)
    rules.validate_rule(rule)
    out["rule"] = rule
    return out


@transaction.atomic
def policy_create(*, actor, title: str, rule, summary: str = "", issuer: str = "") -> Policy:
    """Publish a policy (惠企政策) with its eligibility rule as JSON data."""
    require_bureau(actor)
    policy = Policy.objects.create(
        **_clean_policy(title, summary, issuer, rule), created_by=acting_user(actor)
    )
    audit_record(
        actor=actor,
        action="economy.policy.create",
        target=policy,
        after=snapshot(policy, ["title", "rule"]),
    )
    return policy


@transaction.atomic
def policy_update(*, actor, policy: Policy, version, **changes) -> Policy:
    require_bureau(actor)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    check_version(policy, version)
    before = snapshot(policy, ["title", "summary", "issuer", "rule", "is_active"])
    merged = {
        name: changes.get(name, getattr(policy, name))
        for name in ("title", "summary", "issuer", "rule")
    }
    cleaned = _clean_policy(**merged)
    for name, value in cleaned.items():
        setattr(policy, name, value)
    if "is_active" in changes:
        policy.is_active = bool(changes["is_active"])
    policy.bump_version(fields=[*cleaned, "is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="economy.policy.update",
        target=policy,
        before=before,
        after=snapshot(policy, ["title", "summary", "issuer", "rule", "is_active"]),
    )
    return policy


def _notify_officials(actor, policy: Policy, pairs, names: dict) -> None:
    """One inbox message per official, naming the firms to tell (notifications app)."""
    from yiwang.notifications.services import notify

    by_official: dict[int, list[str]] = {}
    for firm_id, official_id in pairs:
        by_official.setdefault(official_id, []).append(names.get(firm_id, ""))
    users = {u.pk: u for u in User.objects.filter(pk__in=by_official)}
    for official_id, firm_names in by_official.items():
        notify(
            recipients=[users[official_id]],
            kind="notice",
            title=f"惠企政策推送：{policy.title}",
            body=f"您挂钩的企业符合条件，请告知企业：{'、'.join(firm_names)}。",
            link="/economy/official/",
            actor=actor,
        )


@transaction.atomic
def policy_push(*, actor, policy: Policy) -> int:
    """Push a policy to the officials of every eligible firm (政策推送). Returns the number of
    new notices; a firm's official is told once per policy."""
    from yiwang.economy.selectors import policy_eligible_firms

    require_bureau(actor)
    firms = policy_eligible_firms(user=actor, policy=policy)
    assignments = OfficialAssignment.objects.filter(
        firm__in=[f.pk for f in firms], is_active=True
    ).values_list("firm_id", "official_id")
    already = set(PolicyNotice.objects.filter(policy=policy).values_list("firm_id", "official_id"))
    fresh = [pair for pair in assignments if pair not in already]
    PolicyNotice.objects.bulk_create(
        [PolicyNotice(policy=policy, firm_id=f, official_id=o) for f, o in fresh],
        ignore_conflicts=True,
    )
    made = len(fresh)
    _notify_officials(actor, policy, fresh, {f.pk: f.entity.name for f in firms})
    audit_record(
        actor=actor,
        action="economy.policy.push",
        target=policy,
        after={"firms": len(firms), "notices": made},
    )
    return made
