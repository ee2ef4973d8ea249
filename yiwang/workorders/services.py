"""Every write on work orders (四单工作法): one function per action.

Each action function is `<noun>_<verb>(*, actor, order, version, ...)`, runs in ONE transaction
and, in this order:

1. locks the order row (`SELECT … FOR UPDATE`; on SQLite the IMMEDIATE transaction already
   holds the write lock) through the actor's data scope — an order the actor may not see is
   `NotFound` (404), the same answer as a missing one;
2. checks role and department → `Forbidden` (403);
3. checks the client's `version` → `StaleVersion` (409, code `stale_version`);
4. checks the state with the FSM transition → `Conflict` (409, code `invalid_state`);
5. validates the input → `ValidationFailed` (400, Chinese message, `fields`);
6. calls exactly one FSM transition, saves with compare-and-set on `version`
   (`UPDATE … WHERE id = ? AND version = ?`), and writes one `WorkOrderEvent` (the order's
   timeline) and one `core.AuditEvent` (the system audit log) in the same transaction.

Anything that fails rolls the whole action back: nothing is half-written. Photo files are
validated before any write (a file stored for a transaction that later rolls back stays as an
orphan in MEDIA_ROOT; the database never points at a missing file).

`actor=None` means the system (automatic dispatch, SLA sweep, imports): no data-scope check.

Decisions worth knowing (see also README「工单」):
- Intake (`work_order_create`) is one use case with an automatic routing step: it writes two
  timeline events (`report` → submitted, then `dispatch` or `triage` by the system) and ONE
  audit row (`workorder.report`, whose `after` shows the routing). Every other action writes
  one event and one audit row.
- 吹哨: the primary department may complete while cooperating sub-tasks are still open; the
  result carries a warning and the completion event records the open sub-tasks; verification
  (结案) closes whatever is still open.
- A rule change never touches orders: an order keeps the rule version it was dispatched under.
- The SLA sweep does not bump `version` (it changes no field a person edits).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_fsm import can_proceed

from yiwang.accounts.models import Membership, OrgUnit, Role
from yiwang.accounts.scope import data_scope
from yiwang.core.audit import acting_user, audit_record, snapshot
from yiwang.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
    check_version,
)
from yiwang.core.statements import insert_row, insert_rows
from yiwang.core.validators import check_phone
from yiwang.core.workdays import (
    CalendarUndefined,
    TimeUnit,
    add_work_hours,
    deadline_for,
    deadline_with_basis,
    is_provisional,
    workdays_between,
    working_seconds_between,
)
from yiwang.notifications import recipients as notify_to
from yiwang.notifications.services import notify
from yiwang.workorders import intake, refdata
from yiwang.workorders.codes import next_order_code
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
    DESCRIPTION_MAX,
    AssistTask,
    Category,
    ExtensionRequest,
    ResponsibilityRule,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)

logger = logging.getLogger("yiwang.workorders")

S = WorkOrder.Status
Action = WorkOrderEvent.Action
YELLOW_FRACTION = 0.8
NOTE_MAX = 2000
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
PHOTOS_MAX = 9
STAFF_ROLES = {Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}
AUDIT_FIELDS = [
    "status",
    "version",
    "category",
    "primary_department",
    "deadline",
    "supervised",
    "satisfaction",
]
REPORTED_AT_SKEW = dt.timedelta(minutes=5)


# =============================================================================================
# helpers
# =============================================================================================


def _actor_name(actor) -> str:
    if actor is None:
        return "系统"
    user = acting_user(actor)
    if user is None:
        return "匿名"
    return user.display_name or user.get_username()


def _staff_department_ids(user) -> set[int]:
    """Departments (and communities) where the user holds a handling role."""
    cached = getattr(user, "_wo_staff_depts", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(user=user, role__in=STAFF_ROLES).values_list(
                "org_unit_id", flat=True
            )
        )
        user._wo_staff_depts = cached
    return cached


def _is_dispatcher(actor) -> bool:
    user = acting_user(actor)
    if user is None:
        return False
    scope = data_scope(user)
    return scope.is_global or bool(scope.roles & {Role.DISPATCHER, Role.ADMIN})


def _is_staff_of(actor, department_id) -> bool:
    user = acting_user(actor)
    if user is None or department_id is None:
        return False
    return user.is_superuser or department_id in _staff_department_ids(user)


def _is_grid_worker_of(actor, order: WorkOrder) -> bool:
    user = acting_user(actor)
    if user is None:
        return False
    if user.is_superuser:
        return True
    return bool(order.grid_id) and order.region_code in data_scope(user).grid_codes


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise Forbidden(message)


def _require_dispatcher(actor, what: str) -> None:
    _require(_is_dispatcher(actor), f"只有指挥中心坐席可以{what}。")


def _require_primary_staff(actor, order: WorkOrder, what: str) -> None:
    _require(
        _is_staff_of(actor, order.primary_department_id), f"只有主办部门的工作人员可以{what}。"
    )


# Roles that work the loop: their rating would be a self-assessment (一网 rates the government
# from the resident's side).
WORKING_ROLES = frozenset(Role) - {Role.RESIDENT}


def may_rate(user, order: WorkOrder) -> bool:
    """Whether `user` may rate `order`: its reporter — the resident who reported, or on whose
    behalf a grid worker reported (代为上报) — and never someone who works the loop: a grid
    worker who reported for themselves, the handler, the one who resolved it on the spot."""
    if user is None or order.reporter_id != user.pk:
        return False
    if order.handler_id == user.pk:
        return False
    return not (data_scope(user).roles & WORKING_ROLES)


def works_the_loop(user) -> bool:
    """Whether `user` works in the loop (any role but resident): residents see an order as a
    resident needs it, without the government's internal detail."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(data_scope(user).roles & WORKING_ROLES)


def may_reveal_reporter(user, order: WorkOrder) -> bool:
    """回访: the dispatcher and the handling department may read the reporter's phone."""
    return _is_dispatcher(user) or _is_staff_of(user, order.primary_department_id)


@transaction.atomic
def work_order_reporter_reveal(*, actor, order, purpose: str) -> str:
    """The reporter's phone in clear (查看明文) for a stated purpose, audited."""
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(may_reveal_reporter(user, order), "只有指挥中心坐席和主办部门可以查看上报人电话。")
    purpose = _text(purpose, field="purpose", label="查看用途", required=True, max_length=200)
    phone = reporter_phone(order)
    if not phone:
        raise NotFound("该工单没有登记上报人电话。")
    audit_record(
        actor=actor,
        action="workorder.reporter_reveal",
        target=order,
        after={"field": "reporter_phone"},
        note=purpose,
    )
    return phone


def reporter_phone(order: WorkOrder) -> str:
    """The phone to call back: the one given with the report, else the reporter's account's."""
    if order.reporter_phone:
        return order.reporter_phone
    return (order.reporter.phone or "") if order.reporter_id else ""


def _require_rater(user, order: WorkOrder) -> None:
    _require(
        may_rate(user, order),
        "只有上报问题的居民（或被代为上报的居民）可以评价；网格员和工作人员不能评价自己上报或处置的工单。",
    )


def _require_state(order: WorkOrder, method, what: str) -> None:
    if not can_proceed(method):
        raise Conflict(
            f"工单当前状态为“{order.get_status_display()}”，不能{what}。",
            code=Code.INVALID_STATE,
            fields={"status": [order.status]},
        )


def _lock_order(actor, order) -> WorkOrder:
    """Fetch the order for update, through the actor's data scope (404 if not visible)."""
    pk = getattr(order, "pk", order)
    qs = WorkOrder.objects.select_for_update(of=("self",))
    if actor is not None:
        qs = qs.visible_to(actor)
    try:
        return qs.get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound("工单不存在或无权查看。")


def _text(value, *, field: str, label: str, required: bool, max_length: int = NOTE_MAX) -> str:
    """Text input: a string (a number, list or object is no text), trimmed, without NUL or
    lone surrogates (no database stores them), at most `max_length` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label}必须是文本。", fields={field: ["必须是文本"]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed(f"{label}中不能含有空字符。", fields={field: ["含有空字符"]})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed(f"{label}中含有无效字符。", fields={field: ["含有无效字符"]})
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(
            f"{label}不能超过 {max_length} 字。", fields={field: [f"最多 {max_length} 字"]}
        )
    return value


def _save(order: WorkOrder, fields: Iterable[str], now: dt.datetime) -> None:
    """Compare-and-set save of the named fields (plus status), bumping `version`."""
    order.updated_at = now
    order.bump_version(fields=sorted({"status", "updated_at", *fields}))
    order._update_initial_state()


def _record(
    order: WorkOrder,
    *,
    actor,
    action: str,
    from_state: str,
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> WorkOrderEvent:
    """One timeline event and one audit row, in the caller's transaction."""
    event = insert_row(
        WorkOrderEvent(
            order=order,
            at=at or timezone.now(),
            actor=acting_user(actor),
            actor_name=_actor_name(actor),
            action=action,
            from_state=from_state or "",
            to_state=order.status,
            note=note,
            data=data or {},
        )
    )
    audit_record(
        actor=actor,
        action=f"workorder.{action}",
        target=order,
        before={"status": from_state},
        after=snapshot(order, AUDIT_FIELDS),
        note=note,
    )
    return event


def _resolve_category(value, *, field: str = "category") -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        category = value
    else:
        category = refdata.category_by_code(str(value).strip())
    if category is None or not category.is_active:
        raise ValidationFailed(f"未知的事项分类：{value}。", fields={field: ["分类不存在或已停用"]})
    if category.parent_id is None:
        raise ValidationFailed(
            f"“{category.name}”是大类，请选择具体的小类。", fields={field: ["请选择小类"]}
        )
    return category


def _resolve_department(value, *, field: str = "department") -> OrgUnit:
    if isinstance(value, OrgUnit):
        unit = value
    else:
        unit = OrgUnit.objects.filter(pk=value).first() if str(value).isdigit() else None
        if unit is None and value not in (None, ""):
            unit = OrgUnit.objects.filter(code=str(value)).first()
    if unit is None or not unit.is_active:
        raise ValidationFailed(f"未知的部门：{value}。", fields={field: ["部门不存在或已停用"]})
    if unit.kind not in (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.COMMUNITY):
        raise ValidationFailed(
            f"“{unit.name}”不是职能部门或社区，不能承办工单。", fields={field: ["不能承办工单"]}
        )
    return unit


def _resolve_limit(value, unit, *, field: str = "limit_value") -> tuple[float, str]:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed("时限必须是数字。", fields={field: ["必须是数字"]})
    if not math.isfinite(value) or value <= 0 or value > 1000:
        raise ValidationFailed("时限必须大于 0。", fields={field: ["必须大于 0"]})
    if unit not in dict(TimeUnit.CHOICES):
        raise ValidationFailed(
            "时限单位无效。", fields={"limit_unit": [f"可选：{', '.join(dict(TimeUnit.CHOICES))}"]}
        )
    if unit == TimeUnit.WORK_DAYS and value != int(value):
        raise ValidationFailed("工作日时限必须是整数。", fields={field: ["必须是整数"]})
    return value, unit


def find_rule(category: Category | None, region_code: str) -> ResponsibilityRule | None:
    """The current rule for a category at a place: the longest matching region prefix wins.
    Read from the reference-data copy (refdata.py)."""
    if category is None:
        return None
    best = None
    for rule in refdata.current_rules(category.pk):
        if region_code.startswith(rule.region_prefix) and (
            best is None or len(rule.region_prefix) > len(best.region_prefix)
        ):
            best = rule
    return best


def _yellow_at(start: dt.datetime, deadline: dt.datetime, unit: str) -> dt.datetime:
    """The instant when 80 % of the allotted time is used (working time for 工作日/工作时)."""
    if unit in (TimeUnit.WORK_DAYS, TimeUnit.WORK_HOURS):
        seconds = working_seconds_between(start, deadline)
        yellow = add_work_hours(start, YELLOW_FRACTION * seconds / 3600)
    else:
        yellow = start + (deadline - start) * YELLOW_FRACTION
    return min(yellow, deadline)


def compute_deadline(
    start: dt.datetime, value: float, unit: str
) -> tuple[dt.datetime, dt.datetime, bool]:
    """(deadline, yellow_at, provisional) for a limit counted from `start` on our calendar;
    provisional (预估) when the count reaches into a year whose holidays are not entered yet."""
    deadline, provisional = deadline_with_basis(start, value, unit)
    return deadline, _yellow_at(start, deadline, unit), provisional


def _set_deadline(order: WorkOrder, value: float, unit: str) -> None:
    """The order's 处置时限 from its report time (a rule's limit, or the dispatcher's)."""
    order.limit_value, order.limit_unit = value, unit
    order.deadline, order.yellow_at, order.deadline_provisional = compute_deadline(
        order.reported_at, value, unit
    )


def _clear_deadline(order: WorkOrder) -> None:
    order.deadline = order.yellow_at = order.limit_value = None
    order.limit_unit = ""
    order.deadline_provisional = False


DEADLINE_FIELDS = ["deadline", "yellow_at", "limit_value", "limit_unit", "deadline_provisional"]


def validate_photos(photos, *, field: str = "photos") -> list:
    """Each upload must be a real image (Pillow) within UPLOAD_MAX_BYTES; at most 9."""
    from PIL import Image, UnidentifiedImageError

    photos = [p for p in (photos or []) if p is not None]
    if len(photos) > PHOTOS_MAX:
        raise ValidationFailed(f"照片最多 {PHOTOS_MAX} 张。", fields={field: ["照片过多"]})
    limit = settings.UPLOAD_MAX_BYTES
    for upload in photos:
        name = getattr(upload, "name", "照片") or "照片"
        size = getattr(upload, "size", None)
        if size is None:
            upload.seek(0, 2)
            size = upload.tell()
        if size > limit:
            raise ValidationFailed(
                f"照片“{name}”超过大小上限（{limit // (1024 * 1024)} MB）。",
                fields={field: [f"{name}：超过大小上限"]},
            )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                fmt = image.format
                image.verify()
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
        ):
            raise ValidationFailed(
                f"“{name}”不是有效的图片。", fields={field: [f"{name}：不是有效的图片"]}
            )
        finally:
            upload.seek(0)
        if fmt not in PHOTO_FORMATS:
            raise ValidationFailed(
                f"“{name}”的格式 {fmt} 不受支持（支持 JPEG、PNG、WEBP、GIF）。",
                fields={field: [f"{name}：格式不受支持"]},
            )
        upload._yiwang_format = fmt
        upload._yiwang_size = size
    return photos


def _store_photos(order, photos, *, kind, actor, event) -> list[WorkOrderPhoto]:
    stored = []
    for upload in photos:
        upload.seek(0)
        photo = WorkOrderPhoto(
            order=order,
            event=event,
            kind=kind,
            size=getattr(upload, "_yiwang_size", 0),
            content_type=getattr(upload, "_yiwang_format", ""),
            uploaded_by=acting_user(actor),
        )
        photo.image.save(getattr(upload, "name", "photo.jpg") or "photo.jpg", upload, save=False)
        photo.save()
        stored.append(photo)
    return stored


def _evidence_required() -> bool:
    return bool(getattr(settings, "YIWANG_WORKORDER_EVIDENCE_REQUIRED", False))


def _cancel_assist_tasks(order: WorkOrder, *, now, reason: str) -> int:
    n = 0
    for task in order.assist_tasks.filter(status__in=AssistTask.ACTIVE).select_for_update():
        task.mark_cancelled()
        task.result_note = reason
        task.updated_at = now
        task.bump_version(fields=["status", "result_note", "updated_at"])
        task._update_initial_state()
        n += 1
    return n


def _create_assist_tasks(order, departments, *, source, actor, note) -> list[AssistTask]:
    tasks = []
    for dept in departments:
        if dept.pk == order.primary_department_id:
            continue
        tasks.append(
            AssistTask.objects.create(
                order=order,
                department=dept,
                source=source,
                requested_by=acting_user(actor),
                note=note,
            )
        )
    return tasks


def _apply_dispatch(order, *, rule, department, limit, now) -> None:
    """Set the routing fields of a dispatch (the caller calls the transition and saves)."""
    order.primary_department = department
    order.rule = rule
    order.dispatched_at = now
    _set_deadline(order, *limit)
    order.sla_level = WorkOrder.Sla.GREEN
    order.triage_reason = ""


DISPATCH_FIELDS = [
    "primary_department",
    "rule",
    "dispatched_at",
    *DEADLINE_FIELDS,
    "sla_level",
    "triage_reason",
    "category",
    "category_source",
    "grid",
    "region_code",
    "priority",
]


# =============================================================================================
# intake
# =============================================================================================

_UNSET = object()


def _allowed_channels(actor) -> set[str]:
    everything = set(WorkOrder.Channel.values)
    if actor is None:
        return everything
    user = acting_user(actor)
    if user is None:
        return {WorkOrder.Channel.RESIDENT}
    if user.is_superuser:
        return everything
    roles = user.roles()
    if roles & {Role.DISPATCHER, Role.ADMIN, Role.WINDOW_CLERK, Role.LEADER}:
        return everything
    # 企业诉求: a firm's company user (role 居民/企业) or the official linked to it (staff);
    # the economy app checks the link before it reports on this channel.
    allowed = {WorkOrder.Channel.RESIDENT, WorkOrder.Channel.ENTERPRISE}
    if roles & {Role.GRID_WORKER, Role.PARTY_SPECIALIST}:
        allowed |= {WorkOrder.Channel.GRID_WORKER, WorkOrder.Channel.PATROL}
    if roles & STAFF_ROLES:
        allowed |= {WorkOrder.Channel.PATROL, WorkOrder.Channel.STAFF}
    return allowed


def _default_channel(actor) -> str:
    if actor is None:
        return WorkOrder.Channel.STAFF
    user = acting_user(actor)
    if user is None:
        return WorkOrder.Channel.RESIDENT
    roles = user.roles()
    if roles & {Role.GRID_WORKER, Role.PARTY_SPECIALIST}:
        return WorkOrder.Channel.GRID_WORKER
    if user.is_superuser or roles - {Role.RESIDENT}:
        return WorkOrder.Channel.STAFF
    return WorkOrder.Channel.RESIDENT


def _may_backdate(actor, channel: str) -> bool:
    """`reported_at` is accepted for channels that bring history (12345, staff entry) and for
    the system and administrators."""
    if channel in (WorkOrder.Channel.HOTLINE, WorkOrder.Channel.STAFF):
        return channel in _allowed_channels(actor)
    user = acting_user(actor)
    return actor is None or (user is not None and (user.is_superuser or user.has_role(Role.ADMIN)))


def _parse_coordinate(value, *, field: str, label: str, low: float, high: float):
    if value is None or value == "":
        return None
    if isinstance(value, bool):  # float(True) is 1.0: a JSON true is no coordinate
        raise ValidationFailed(f"{label}必须是数字。", fields={field: ["必须是数字"]})
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 400 digits
        raise ValidationFailed(f"{label}必须是数字。", fields={field: ["必须是数字"]})
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationFailed(
            f"{label}超出范围（{low}～{high}）。", fields={field: [f"超出范围 {low}～{high}"]}
        )
    return number


# Times the platform can hold: the 12345 hotline and digital government records start well
# after 2000; earlier (0001-01-01, 1900) is a typo or an attack, and overflows date arithmetic.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_TIME = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _parse_datetime(value, *, field: str) -> dt.datetime:
    bad_format = ValidationFailed(
        "时间格式不正确，应为 ISO 8601，如 2026-11-22T09:30:00+08:00。",
        fields={field: ["时间格式不正确"]},
    )
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(9, 0))
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None:
            raise bad_format
    else:  # a number (12345) or anything else is no time
        raise bad_format
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        in_range = EARLIEST_TIME <= parsed < LATEST_TIME
    except (ValueError, OverflowError):
        in_range = False
    if not in_range:
        raise ValidationFailed(
            "时间超出范围（应在 2000 年至 2099 年之间）。", fields={field: ["超出范围"]}
        )
    return parsed


def _default_region_code() -> str:
    """Where an order that fell in no region belongs: the street, when there is only one."""
    from yiwang.grids.models import Region

    streets = list(
        Region.objects.filter(level=Region.Level.STREET, is_active=True).values_list(
            "code", flat=True
        )[:2]
    )
    return streets[0] if len(streets) == 1 else ""


def work_order_create(
    *,
    actor,
    description: str,
    lon=None,
    lat=None,
    address: str = "",
    category=None,
    channel: str | None = None,
    priority: str | None = None,
    reported_at=None,
    photos=(),
    reporter=_UNSET,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_id: str = "",
    idempotency_key: str = "",
    category_source: str | None = None,
    location_required: bool = True,
) -> WorkOrder:
    """Intake (上报): validate, locate the grid, classify, number, route — one transaction.

    - `actor`: the user reporting (resident, grid worker, staff) or None for the system
      (imports, integrations); `reporter` defaults to the actor (None = anonymous, with optional
      `reporter_name` / `reporter_phone`, stored encrypted).
    - `lon`/`lat` (WGS-84) and/or `address` are required (imports of calls that gave no
      place pass `location_required=False`: the order waits in triage).
    - `category`: a small-class code or a Category (optional: the triage classifier may
      supply it, see intake.py).
    - `reported_at` only for history-bearing channels (hotline_12345, staff) and the system:
      the deadline counts from it.
    - `idempotency_key`: a retry with the same (reporter, channel, key) returns the first order
      with `order.replayed = True` and writes nothing.
    - Routing: a point inside a grid + a category with a current rule → `dispatched` (deadline
      from the rule, cooperating sub-tasks from the rule); otherwise → `triage` with
      `triage_reason` (no_category, no_grid, no_rule, calendar_undefined).

    Returns the order with `replayed` (bool) and `warnings` (list of str) attributes.
    """
    now = timezone.now()
    channel = channel or _default_channel(actor)
    if channel not in WorkOrder.Channel.values:
        raise ValidationFailed(f"未知的渠道：{channel}。", fields={"channel": ["渠道无效"]})
    if channel not in _allowed_channels(actor):
        raise Forbidden(f"您不能以“{WorkOrder.Channel(channel).label}”渠道上报。")
    reporter_user = acting_user(actor) if reporter is _UNSET else acting_user(reporter)

    key = _text(
        idempotency_key, field="idempotency_key", label="幂等键", required=False, max_length=200
    )
    composite_key = (
        f"{reporter_user.pk if reporter_user else 'anon'}:{channel}:{key}" if key else ""
    )
    if composite_key:
        existing = WorkOrder.objects.filter(idempotency_key=composite_key).first()
        if existing is not None:
            existing.replayed, existing.warnings = True, []
            return existing

    description = _text(
        description,
        field="description",
        label="问题描述",
        required=True,
        max_length=DESCRIPTION_MAX,
    )
    address = _text(address, field="address", label="地址", required=False, max_length=256)
    lon = _parse_coordinate(lon, field="lon", label="经度", low=-180, high=180)
    lat = _parse_coordinate(lat, field="lat", label="纬度", low=-90, high=90)
    if (lon is None) != (lat is None):
        missing = "lat" if lat is None else "lon"
        raise ValidationFailed("经度和纬度须同时提供。", fields={missing: ["必填"]})
    if lon is None and not address and location_required:
        raise ValidationFailed(
            "请提供问题位置：经纬度或地址。", fields={"lon": ["必填"], "lat": ["必填"]}
        )
    category_obj = _resolve_category(category)
    priority = priority or WorkOrder.Priority.NORMAL
    if priority not in WorkOrder.Priority.values:
        raise ValidationFailed("紧急程度无效。", fields={"priority": ["可选：normal, urgent"]})
    if reported_at not in (None, ""):
        if not _may_backdate(actor, channel):
            raise ValidationFailed(
                "只有12345热线等历史导入渠道可以指定上报时间。",
                fields={"reported_at": ["该渠道不能指定上报时间"]},
            )
        reported = _parse_datetime(reported_at, field="reported_at")
        if reported > now + REPORTED_AT_SKEW:
            raise ValidationFailed(
                "上报时间不能晚于当前时间。", fields={"reported_at": ["不能是将来的时间"]}
            )
    else:
        reported = now
    reporter_name = _text(
        reporter_name, field="reporter_name", label="姓名", required=False, max_length=50
    )
    reporter_phone = _text(
        reporter_phone, field="reporter_phone", label="电话", required=False, max_length=20
    )
    if reporter_phone:
        problem = check_phone(reporter_phone)
        if problem:
            raise ValidationFailed(problem, fields={"reporter_phone": [problem]})
    external_id = _text(
        external_id, field="external_id", label="外部编号", required=False, max_length=100
    )
    photos = validate_photos(photos)

    # Where and what (outside the transaction: read-only work).
    located = None
    if lon is not None:
        from yiwang.workorders.locating import locate_point

        located = locate_point(lon, lat)
        if channel == WorkOrder.Channel.RESIDENT:
            refuse_outside_street(located)
    grid = located.grid if located else None
    region_code = located.region_code if located else ""
    if not region_code:
        region_code = _default_region_code()
    suggestion = None
    if category_obj is not None:
        source = category_source or (
            WorkOrder.CategorySource.IMPORT if actor is None else WorkOrder.CategorySource.REPORTER
        )
    else:
        suggestion = intake.suggest_category(description)
        category_obj = suggestion.category
        source = WorkOrder.CategorySource.AUTO if category_obj else ""
    duplicates = intake.find_duplicates(
        description=description, lon=lon, lat=lat, reported_at=reported
    )

    try:
        with transaction.atomic():
            order = _create(
                actor=actor,
                now=now,
                reported=reported,
                channel=channel,
                reporter_user=reporter_user,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                description=description,
                address=address,
                lon=lon,
                lat=lat,
                grid=grid,
                region_code=region_code,
                category=category_obj,
                category_source=source,
                suggestion=suggestion,
                priority=priority,
                external_id=external_id,
                composite_key=composite_key,
                photos=photos,
            )
            intake.flag_duplicates(order, duplicates)
    except IntegrityError:
        if composite_key:
            existing = WorkOrder.objects.filter(idempotency_key=composite_key).first()
            if existing is not None:
                existing.replayed, existing.warnings = True, []
                return existing
        if (
            external_id
            and WorkOrder.objects.filter(channel=channel, external_id=external_id).exists()
        ):
            raise Conflict(
                f"外部编号 {external_id} 已导入。",
                code=Code.DUPLICATE_EXTERNAL_ID,
                fields={"external_id": ["已存在"]},
            )
        raise
    order.replayed = False
    return order


def _create(
    *,
    actor,
    now,
    reported,
    channel,
    reporter_user,
    reporter_name,
    reporter_phone,
    description,
    address,
    lon,
    lat,
    grid,
    region_code,
    category,
    category_source,
    suggestion,
    priority,
    external_id,
    composite_key,
    photos,
) -> WorkOrder:
    if external_id and WorkOrder.objects.filter(channel=channel, external_id=external_id).exists():
        raise Conflict(
            f"外部编号 {external_id} 已导入。",
            code=Code.DUPLICATE_EXTERNAL_ID,
            fields={"external_id": ["已存在"]},
        )
    order = WorkOrder(
        code=next_order_code(timezone.localdate(reported)),
        channel=channel,
        reporter=reporter_user,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        description=description,
        address=address,
        lon=lon,
        lat=lat,
        grid=grid,
        region_code=region_code,
        category=category,
        category_source=category_source,
        category_confidence=suggestion.probability if suggestion else None,
        priority=priority,
        external_id=external_id,
        idempotency_key=composite_key,
        reported_at=reported,
    )
    order.warnings = []

    # Routing decided before the insert, so the row is written once.
    rule, reason = None, ""
    if category is None:
        reason = "no_category"
    elif grid is None:
        reason = "no_grid"
    else:
        rule = find_rule(category, region_code)
        if rule is None:
            reason = "no_rule"
    if rule is not None:
        try:
            _apply_dispatch(
                order,
                rule=rule,
                department=rule.primary_department,
                limit=(rule.limit_for(priority), rule.limit_unit),
                now=now,
            )
        except CalendarUndefined as exc:
            logger.error("intake: %s; order goes to triage", exc.message)
            order.primary_department = order.rule = order.dispatched_at = None
            _clear_deadline(order)
            order.sla_level = ""
            rule, reason = None, "calendar_undefined"
    if rule is not None:
        order.mark_dispatched()
    else:
        order.mark_triage()
        order.triage_reason = reason
    insert_row(order)

    report_data = {"channel": channel, "region_code": region_code}
    if suggestion is not None and suggestion.candidates:
        report_data["suggestions"] = suggestion.candidates
    if suggestion is not None and suggestion.error:
        report_data["classifier_error"] = suggestion.error
    name = _actor_name(actor)
    report_event = WorkOrderEvent(
        order=order,
        at=reported if reported < now else now,
        actor=acting_user(actor),
        actor_name=name,
        action=Action.REPORT,
        from_state="",
        to_state=S.SUBMITTED,
        note=description[:200],
        data=report_data,
    )
    tasks = []
    if rule is not None:
        cooperating = list(rule.cooperating_departments.all())
        tasks = _create_assist_tasks(
            order, cooperating, source=AssistTask.Source.RULE, actor=None, note="权责清单协办"
        )
        route_event = WorkOrderEvent(
            order=order,
            at=now,
            actor_name="系统",
            action=Action.DISPATCH,
            from_state=S.SUBMITTED,
            to_state=order.status,
            note=f"按权责清单自动派遣至{rule.primary_department.name}",
            data={
                "auto": True,
                "rule": rule.pk,
                "rule_version": rule.version,
                "department": rule.primary_department_id,
                "deadline": order.deadline.isoformat(),
                "assist_departments": [t.department_id for t in tasks],
            },
        )
    else:
        route_event = WorkOrderEvent(
            order=order,
            at=now,
            actor_name="系统",
            action=Action.TRIAGE,
            from_state=S.SUBMITTED,
            to_state=order.status,
            note=TRIAGE_REASONS.get(reason, reason),
            data={"reason": reason},
        )
    insert_rows([report_event, route_event])
    if photos:
        _store_photos(
            order, photos, kind=WorkOrderPhoto.Kind.REPORT, actor=actor, event=report_event
        )
    # Intake is one use case: one audit row, whose `after` already shows the routing.
    audit_record(
        actor=actor,
        action="workorder.report",
        target=order,
        before=None,
        after=snapshot(order, AUDIT_FIELDS),
        note=f"{WorkOrder.Channel(channel).label}上报，{route_event.get_action_display()}",
    )
    if order.status == S.DISPATCHED:  # 自动派遣 → the department's staff
        notify(
            recipients=notify_to.department_staff(order.primary_department_id),
            kind="dispatch",
            title=f"新派工单 {order.code}，请签收",
            body=order.description[:100],
            link=f"/wo/{order.pk}/",
            sms_text=True,
        )
    return order


TRIAGE_REASONS = {
    "no_category": "未选择分类且智能分拣无把握，转人工分拣",
    "no_grid": "位置不在任何网格内（或只有地址），转人工分拣",
    "no_rule": "权责清单中没有该分类在此区域的规则，转人工分拣",
    "calendar_undefined": "节假日安排未录入，无法计算时限，转人工分拣",
    "returned": "部门退回",
}


# =============================================================================================
# dispatcher actions: dispatch, verify, reopen, supervise, merge, extension decision
# =============================================================================================


@transaction.atomic
def work_order_dispatch(
    *,
    actor,
    order,
    version,
    category=None,
    department=None,
    grid=None,
    priority: str | None = None,
    limit_value=None,
    limit_unit: str | None = None,
    note: str = "",
) -> WorkOrder:
    """派遣 by the dispatcher (from triage, or re-dispatch before acceptance).

    The category (or the order's own) and the order's region select the current rule; the
    department defaults to the rule's primary department and may be overridden; without a rule,
    `department`, `limit_value` and `limit_unit` are required. The deadline counts from
    `reported_at` on the official calendar; the rule's cooperating departments get sub-tasks.
    """
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "派遣工单")
    check_version(order, version)
    _require_state(order, order.mark_dispatched, "派遣")
    note = _text(note, field="note", label="派遣说明", required=False)
    cat = _resolve_category(category) if category not in (None, "") else order.category
    if cat is None:
        raise ValidationFailed("请先选择事项分类。", fields={"category": ["必填"]})
    if cat.pk != order.category_id:
        order.category = cat
        order.category_source = WorkOrder.CategorySource.DISPATCHER
        intake.category_corrected(actor=actor, order=order, category=cat)
    if grid not in (None, ""):
        from yiwang.grids.models import Region

        region = (
            grid
            if isinstance(grid, Region)
            else Region.objects.filter(level=Region.Level.GRID, code=str(grid).strip()).first()
        )
        if region is None:
            raise ValidationFailed(f"未知的网格：{grid}。", fields={"grid": ["网格不存在"]})
        order.grid, order.region_code = region, region.code
    if priority not in (None, ""):
        if priority not in WorkOrder.Priority.values:
            raise ValidationFailed("紧急程度无效。", fields={"priority": ["可选：normal, urgent"]})
        order.priority = priority
    rule = find_rule(cat, order.region_code)
    dept = _resolve_department(department) if department not in (None, "") else None
    if dept is None:
        if rule is None:
            raise ValidationFailed(
                "权责清单中没有该分类的规则，请指定主办部门和处置时限。",
                code=Code.NO_RULE,
                fields={"department": ["必填"], "limit_value": ["必填"]},
            )
        dept = rule.primary_department
    if limit_value not in (None, ""):
        limit = _resolve_limit(limit_value, limit_unit or TimeUnit.WORK_DAYS)
    elif rule is not None:
        limit = (rule.limit_for(order.priority), rule.limit_unit)
    else:
        raise ValidationFailed(
            "权责清单中没有该分类的规则，请指定处置时限。",
            code=Code.NO_RULE,
            fields={"limit_value": ["必填"]},
        )
    from_state = order.status
    if from_state == S.DISPATCHED:
        _cancel_assist_tasks(order, now=now, reason="重新派遣")
    _apply_dispatch(order, rule=rule, department=dept, limit=limit, now=now)
    order.mark_dispatched()
    _save(order, DISPATCH_FIELDS, now)
    tasks = []
    if rule is not None:
        tasks = _create_assist_tasks(
            order,
            rule.cooperating_departments.all(),
            source=AssistTask.Source.RULE,
            actor=actor,
            note="权责清单协办",
        )
    _record(
        order,
        actor=actor,
        action=Action.DISPATCH,
        from_state=from_state,
        note=note or f"派遣至{dept.name}",
        data={
            "auto": False,
            "rule": rule.pk if rule else None,
            "rule_version": rule.version if rule else None,
            "department": dept.pk,
            "limit": list(limit),
            "deadline": order.deadline.isoformat(),
            "assist_departments": [t.department_id for t in tasks],
        },
        at=now,
    )
    notify(  # 派遣 → the staff of the primary and the cooperating departments
        recipients=[
            u
            for unit_id in [dept.pk, *(t.department_id for t in tasks)]
            for u in notify_to.department_staff(unit_id)
        ],
        kind="dispatch",
        title=f"新派工单 {order.code}，请签收",
        body=order.description[:100],
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_verify(*, actor, order, version, note: str = "") -> WorkOrder:
    """核查结案: the command centre accepts the handling → archived. Open 吹哨 sub-tasks are
    closed; the working days from report to archive are stored for the KPIs."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "核查结案")
    check_version(order, version)
    _require_state(order, order.mark_archived, "核查结案")
    note = _text(note, field="note", label="核查意见", required=False)
    closed = _cancel_assist_tasks(order, now=now, reason="主办结案时关闭")
    order.mark_archived()
    order.archived_at = now
    order.archived_workdays = round(workdays_between(order.reported_at, now), 3)
    _save(order, ["archived_at", "archived_workdays"], now)
    _record(
        order,
        actor=actor,
        action=Action.VERIFY,
        from_state=S.COMPLETED,
        note=note or "核查通过，结案归档",
        data={"archived_workdays": order.archived_workdays, "closed_assist_tasks": closed},
        at=now,
    )
    notify(  # 结案 → the reporter, with the link to rate
        recipients=[order.reporter],
        kind="archived",
        title=f"您反映的问题已办结（{order.code}），请评价",
        body=order.description[:100],
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
    order.warnings = []
    return order


def _reopen_fields(order: WorkOrder) -> None:
    order.reopen_count += 1
    order.archived_at = None
    order.archived_workdays = None
    order.completed_on_time = None
    order.resolved_on_spot = False
    order.resolved_in_grid = False
    order.no_photo_reason = ""


REOPEN_FIELDS = [
    "no_photo_reason",
    "reopen_count",
    "archived_at",
    "archived_workdays",
    "completed_on_time",
    "resolved_on_spot",
    "resolved_in_grid",
    "primary_department",
    *DEADLINE_FIELDS,
    "sla_level",
    "triage_reason",
    "rating_reopened",
    "dispatched_at",
]


@transaction.atomic
def work_order_reopen(*, actor, order, version, reason: str, department=None) -> WorkOrder:
    """返工: completed or archived back to handling, with a reason. An order that no
    department holds (resolved on the spot from triage) needs `department`."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "返工")
    check_version(order, version)
    _require_state(order, order.mark_reopened, "返工")
    reason = _text(reason, field="reason", label="返工原因", required=True)
    from_state = order.status
    if department not in (None, ""):
        order.primary_department = _resolve_department(department)
    if order.primary_department_id is None:
        raise ValidationFailed(
            "该工单没有主办部门，返工时请指定主办部门。", fields={"department": ["必填"]}
        )
    if order.deadline is None:
        rule = find_rule(order.category, order.region_code)
        if rule is not None:
            _set_deadline(order, rule.limit_for(order.priority), rule.limit_unit)
    _reopen_fields(order)
    order.mark_reopened(S.HANDLING)
    _save(order, REOPEN_FIELDS, now)
    _record(
        order,
        actor=actor,
        action=Action.REOPEN,
        from_state=from_state,
        note=reason,
        data={"department": order.primary_department_id, "reopen_count": order.reopen_count},
        at=now,
    )
    notify(  # 返工 → the handler (or, without one, the department's staff)
        recipients=[order.handler]
        if order.handler_id
        else notify_to.department_staff(order.primary_department_id),
        kind="reopen",
        title=f"工单 {order.code} 返工：{reason[:40]}",
        body=order.description[:100],
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_supervise(*, actor, order, version, note: str) -> WorkOrder:
    """督办: a note and the supervised flag on an open order (dispatcher or street leader)."""
    now = timezone.now()
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(
        _is_dispatcher(actor) or (user is not None and user.has_role(Role.LEADER)),
        "只有指挥中心坐席或街道领导可以督办。",
    )
    check_version(order, version)
    _require_state(order, order.mark_supervised, "督办")
    note = _text(note, field="note", label="督办意见", required=True)
    order.mark_supervised()
    order.supervised = True
    order.supervised_at = now
    order.supervise_count += 1
    _save(order, ["supervised", "supervised_at", "supervise_count"], now)
    _record(
        order,
        actor=actor,
        action=Action.SUPERVISE,
        from_state=order.status,
        note=note,
        data={"supervise_count": order.supervise_count},
        at=now,
    )
    notify(  # 督办 → the department head
        recipients=notify_to.department_heads(order.primary_department_id),
        kind="supervise",
        title=f"督办：工单 {order.code}",
        body=note[:200],
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_merge(*, actor, order, version, into, note: str = "") -> WorkOrder:
    """合并: an open duplicate joins another open order (the master). The duplicate's reporter
    (and followers) follow the master: they see it and its progress."""
    now = timezone.now()
    into_pk = getattr(into, "pk", into)
    order_pk = getattr(order, "pk", order)
    if str(into_pk) == str(order_pk):
        raise ValidationFailed("不能合并到自身。", fields={"into": ["不能是同一工单"]})
    # Lock both rows in primary-key order so two opposite merges cannot deadlock.
    locked = {}
    for pk in sorted([order_pk, into_pk], key=lambda v: int(v) if str(v).isdigit() else 0):
        try:
            locked[pk] = _lock_order(actor, pk)
        except NotFound:
            if pk == into_pk:
                raise ValidationFailed("要并入的工单不存在。", fields={"into": ["工单不存在"]})
            raise
    order, master = locked[order_pk], locked[into_pk]
    _require_dispatcher(actor, "合并工单")
    check_version(order, version)
    _require_state(order, order.mark_merged, "合并")
    if master.status not in WorkOrder.OPEN_STATES:
        raise Conflict(
            f"要并入的工单 {master.code} 已“{master.get_status_display()}”，只能并入未办结的工单。",
            code=Code.INVALID_STATE,
            fields={"into": [master.status]},
        )
    note = _text(note, field="note", label="合并说明", required=False)
    from_state = order.status
    _cancel_assist_tasks(order, now=now, reason="工单已合并")
    followers = set(order.followers.values_list("pk", flat=True))
    if order.reporter_id:
        followers.add(order.reporter_id)
    followers.discard(master.reporter_id)
    if followers:
        master.followers.add(*followers)
    order.mark_merged()
    order.merged_into = master
    _save(order, ["merged_into"], now)
    intake.duplicates_merged(actor=actor, order=order, into=master)
    _record(
        order,
        actor=actor,
        action=Action.MERGE,
        from_state=from_state,
        note=note or f"与 {master.code} 重复，已合并",
        data={"into": master.pk, "into_code": master.code},
        at=now,
    )
    WorkOrderEvent.objects.create(
        order=master,
        at=now,
        actor=acting_user(actor),
        actor_name=_actor_name(actor),
        action=Action.MERGED_IN,
        from_state=master.status,
        to_state=master.status,
        note=f"重复工单 {order.code} 并入",
        data={"merged": order.pk, "merged_code": order.code, "followers": sorted(followers)},
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_extend_decide(
    *, actor, order, version, approve: bool, note: str = "", new_deadline=None
) -> WorkOrder:
    """延期审批: the dispatcher approves (new deadline: the requested one, or `new_deadline`)
    or refuses the pending extension request."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "审批延期")
    check_version(order, version)
    _require_state(order, order.mark_extend_decided, "审批延期")
    request = (
        order.extensions.select_for_update().filter(status=ExtensionRequest.Status.PENDING).first()
    )
    if request is None:
        raise Conflict("该工单没有待审批的延期申请。", code=Code.NO_PENDING_EXTENSION)
    if not isinstance(approve, bool):
        raise ValidationFailed("请选择同意或不同意。", fields={"approve": ["必须是 true 或 false"]})
    note = _text(note, field="note", label="审批意见", required=not approve)
    request.decided_by = acting_user(actor)
    request.decided_at = now
    request.decision_note = note
    order.mark_extend_decided()
    data = {"request": request.pk}
    if approve:
        deadline = (
            _parse_datetime(new_deadline, field="new_deadline")
            if new_deadline not in (None, "")
            else request.proposed_deadline
        )
        if order.deadline and deadline <= order.deadline:
            raise ValidationFailed(
                "新时限必须晚于原时限。", fields={"new_deadline": ["须晚于原时限"]}
            )
        request.status = ExtensionRequest.Status.APPROVED
        request.new_deadline = deadline
        order.deadline = deadline
        unit = order.rule.limit_unit if order.rule_id else request.unit
        order.yellow_at = _yellow_at(order.reported_at, deadline, unit)
        order.deadline_provisional = order.deadline_provisional or is_provisional(
            request.old_deadline or order.reported_at, deadline, request.unit
        )
        order.sla_level = order.sla_at(now) or ""
        order.extension_count += 1
        data.update(old_deadline=request.old_deadline, new_deadline=deadline)
        _save(
            order,
            ["deadline", "yellow_at", "deadline_provisional", "sla_level", "extension_count"],
            now,
        )
        action = Action.EXTEND_APPROVE
    else:
        request.status = ExtensionRequest.Status.REFUSED
        _save(order, [], now)
        action = Action.EXTEND_REFUSE
    request.save()
    _record(
        order,
        actor=actor,
        action=action,
        from_state=order.status,
        note=note or ("同意延期" if approve else "不同意延期"),
        data={k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in data.items()},
        at=now,
    )
    order.warnings = []
    return order


# =============================================================================================
# department actions: accept, return, assist, extension request, complete
# =============================================================================================


@transaction.atomic
def work_order_accept(*, actor, order, version, note: str = "") -> WorkOrder:
    """签收 by a staff member of the primary department: dispatched → handling. Two people
    accepting at once: one wins, the other gets 409 (row lock + version compare-and-set)."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "签收")
    check_version(order, version)
    _require_state(order, order.mark_accepted, "签收")
    note = _text(note, field="note", label="签收说明", required=False)
    order.mark_accepted()
    order.accepted_at = now
    order.handler = acting_user(actor)
    _save(order, ["accepted_at", "handler"], now)
    _record(order, actor=actor, action=Action.ACCEPT, from_state=S.DISPATCHED, note=note, at=now)
    order.warnings = []
    return order


@transaction.atomic
def work_order_return(*, actor, order, version, reason: str) -> WorkOrder:
    """退回 with a reason (not this department's matter): back to triage for the dispatcher.
    The department's clock stops: deadline and department are cleared, sub-tasks closed."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "退回")
    check_version(order, version)
    _require_state(order, order.mark_returned, "退回")
    reason = _text(reason, field="reason", label="退回原因", required=True)
    from_state = order.status
    department = order.primary_department_id
    _cancel_assist_tasks(order, now=now, reason="主办部门退回")
    order.mark_returned()
    order.primary_department = None
    order.rule = None
    order.handler = None
    _clear_deadline(order)
    order.sla_level = ""
    order.triage_reason = "returned"
    order.return_count += 1
    _save(
        order,
        ["primary_department", "rule", "handler", *DEADLINE_FIELDS, "sla_level",
         "triage_reason", "return_count"],
        now,
    )  # fmt: skip
    _record(
        order,
        actor=actor,
        action=Action.RETURN,
        from_state=from_state,
        note=reason,
        data={"department": department},
        at=now,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_assist(*, actor, order, version, departments, note: str) -> WorkOrder:
    """吹哨: the primary department summons cooperating departments; each gets its own
    sub-task (AssistTask) to report in (报到) and complete."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "吹哨（请求协办）")
    check_version(order, version)
    _require_state(order, order.mark_assist, "吹哨（请求协办）")
    note = _text(note, field="note", label="协办事由", required=True)
    if not departments:
        raise ValidationFailed("请选择协办部门。", fields={"departments": ["必填"]})
    units = []
    for value in departments:
        unit = _resolve_department(value, field="departments")
        if unit.pk == order.primary_department_id:
            raise ValidationFailed(
                "协办部门不能是主办部门。", fields={"departments": ["不能是主办部门"]}
            )
        if unit.pk not in {u.pk for u in units}:
            units.append(unit)
    busy = set(
        order.assist_tasks.filter(status__in=AssistTask.ACTIVE, department__in=units).values_list(
            "department__name", flat=True
        )
    )
    if busy:
        raise Conflict(
            f"{'、'.join(sorted(busy))}已有未完成的协办任务。",
            code=Code.ASSIST_DUPLICATE,
            fields={"departments": sorted(busy)},
        )
    order.mark_assist()
    _save(order, [], now)
    tasks = _create_assist_tasks(
        order, units, source=AssistTask.Source.WHISTLE, actor=actor, note=note
    )
    _record(
        order,
        actor=actor,
        action=Action.ASSIST,
        from_state=order.status,
        note=note,
        data={"departments": [u.pk for u in units], "tasks": [t.pk for t in tasks]},
        at=now,
    )
    notify(  # 吹哨 → the summoned departments
        recipients=[u for unit in units for u in notify_to.department_staff(unit.pk)],
        kind="assist",
        title=f"吹哨报到：工单 {order.code} 请求协办",
        body=note[:200],
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_extend_request(*, actor, order, version, value, unit: str, reason: str) -> WorkOrder:
    """延期申请 by the primary department, before the deadline; one pending request at a time."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "申请延期")
    check_version(order, version)
    _require_state(order, order.mark_extend_requested, "申请延期")
    reason = _text(reason, field="reason", label="延期理由", required=True)
    value, unit = _resolve_limit(value, unit, field="value")
    if order.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise Conflict("已有待审批的延期申请。", code=Code.EXTENSION_PENDING)
    if order.deadline is None:
        raise Conflict("该工单没有处置时限，无需延期。", code=Code.INVALID_STATE)
    if now > order.deadline:
        raise Conflict(
            "已超过处置时限，不能再申请延期（延期须在到期前申请）。", code=Code.DEADLINE_PASSED
        )
    proposed = deadline_for(order.deadline, value, unit)
    request = ExtensionRequest.objects.create(
        order=order,
        requested_by=acting_user(actor),
        requested_at=now,
        reason=reason,
        value=value,
        unit=unit,
        old_deadline=order.deadline,
        proposed_deadline=proposed,
    )
    order.mark_extend_requested()
    _save(order, [], now)
    _record(
        order,
        actor=actor,
        action=Action.EXTEND_REQUEST,
        from_state=order.status,
        note=reason,
        data={
            "request": request.pk,
            "value": value,
            "unit": unit,
            "proposed_deadline": proposed.isoformat(),
        },
        at=now,
    )
    order.warnings = []
    return order


def _official_deadline(order: WorkOrder) -> tuple[dt.datetime, dt.datetime, bool] | None:
    """The order's deadline counted again from its report time: the limit it was dispatched
    with, then each approved extension (a date the dispatcher typed stays as typed)."""
    value, unit = order.limit_value, order.limit_unit
    if value is None and order.rule_id:
        value, unit = order.rule.limit_for(order.priority), order.rule.limit_unit
    if value is None:
        return None
    deadline, _yellow, provisional = compute_deadline(order.reported_at, value, unit)
    approved = order.extensions.filter(status=ExtensionRequest.Status.APPROVED)
    for ext in approved.order_by("decided_at", "pk"):
        if ext.new_deadline and ext.new_deadline != ext.proposed_deadline:
            deadline = ext.new_deadline
            continue
        deadline, extended_provisional = deadline_with_basis(deadline, ext.value, ext.unit)
        provisional |= extended_provisional
    return deadline, _yellow_at(order.reported_at, deadline, unit), provisional


@transaction.atomic
def work_order_deadlines_recompute(*, actor=None, years=()) -> int:
    """重算预估时限: once a year's official holidays are entered, every open order whose deadline
    was provisional is counted again on the official calendar. Returns how many changed."""
    now = timezone.now()
    orders = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("rule")
        .filter(deadline_provisional=True, status__in=[S.DISPATCHED, S.HANDLING])
    )
    changed = 0
    for order in orders:
        counted = _official_deadline(order)
        if counted is None:
            continue
        old = order.deadline
        order.deadline, order.yellow_at, order.deadline_provisional = counted
        order.sla_level = order.sla_at(now) or order.sla_level
        _save(order, ["deadline", "yellow_at", "deadline_provisional", "sla_level"], now)
        _record(
            order,
            actor=actor or "系统",
            action=Action.DEADLINE_RECOMPUTE,
            from_state=order.status,
            note=f"{'、'.join(str(y) for y in years)}年放假安排已录入，时限按正式安排重算",
            data={
                "old_deadline": old.isoformat() if old else None,
                "new_deadline": order.deadline.isoformat(),
                "provisional": order.deadline_provisional,
            },
            at=now,
        )
        changed += 1
    return changed


@transaction.atomic
def work_order_complete(
    *, actor, order, version, note: str, photos=(), no_photo_reason: str = ""
) -> WorkOrder:
    """处置完成 with a note and evidence photos: handling → completed (waiting for 核查).
    Without a photo the handler writes why (the dispatcher sees it before 核查结案). Allowed
    while 吹哨 sub-tasks are open, with a warning (recorded in the event); a pending extension
    request is closed with the order."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "办结")
    check_version(order, version)
    _require_state(order, order.mark_completed, "办结")
    note = _text(note, field="note", label="处置情况", required=True)
    photos, order.no_photo_reason = _evidence(photos, no_photo_reason)
    closed_extensions = _close_pending_extensions(order, now=now)
    open_tasks = list(
        order.assist_tasks.filter(status__in=AssistTask.ACTIVE).values_list(
            "department__name", flat=True
        )
    )
    order.mark_completed()
    order.completed_at = now
    order.completed_on_time = order.deadline is None or now <= order.deadline
    order.resolved_in_grid = bool(
        order.primary_department and order.primary_department.kind == OrgUnit.Kind.COMMUNITY
    )
    _save(order, ["completed_at", "completed_on_time", "resolved_in_grid", "no_photo_reason"], now)
    event = _record(
        order,
        actor=actor,
        action=Action.COMPLETE,
        from_state=S.HANDLING,
        note=note,
        data={
            "on_time": order.completed_on_time,
            "open_assist_tasks": open_tasks,
            "no_photo_reason": order.no_photo_reason,
            "closed_extension_requests": closed_extensions,
        },
        at=now,
    )
    _store_photos(order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    order.warnings = (
        [f"协办部门尚未完成：{'、'.join(open_tasks)}（结案时将自动关闭）"] if open_tasks else []
    )
    if not photos:
        order.warnings.append(f"未上传处置照片（原因：{order.no_photo_reason}）。")
    if closed_extensions:
        order.warnings.append("待审批的延期申请已随办结关闭。")
    return order


def _evidence(photos, no_photo_reason) -> tuple[list, str]:
    """The evidence of a finished order (处置照片): photos, or a written reason for none."""
    photos = validate_photos(photos)
    if _evidence_required() and not photos:
        raise ValidationFailed("请上传处置照片。", fields={"photos": ["必填"]})
    if photos:
        return photos, ""
    reason = _text(
        no_photo_reason,
        field="no_photo_reason",
        label="未上传照片的原因",
        required=True,
        max_length=500,
    )
    return photos, reason


def _close_pending_extensions(order: WorkOrder, *, now) -> list[int]:
    """A pending 延期申请 has nothing left to decide once the order is finished."""
    pending = order.extensions.select_for_update().filter(status=ExtensionRequest.Status.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    if ids:
        ExtensionRequest.objects.filter(pk__in=ids).update(
            status=ExtensionRequest.Status.CLOSED, decided_at=now, decision_note="工单已办结"
        )
    return ids


# =============================================================================================
# grid worker, reporter
# =============================================================================================


@transaction.atomic
def work_order_resolve_on_spot(
    *, actor, order, version, note: str, photos=(), category=None, no_photo_reason: str = ""
) -> WorkOrder:
    """现场处置 (小事不出格): the grid worker of the order's grid resolves it on the spot when
    the responsibility rule allows → completed (waiting for 核查). Counts for 现场处置率 and
    网格内解决率."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require(_is_grid_worker_of(actor, order), "只有该网格的网格员可以现场处置。")
    check_version(order, version)
    _require_state(order, order.mark_resolved_on_spot, "现场处置")
    note = _text(note, field="note", label="处置情况", required=True)
    cat = _resolve_category(category) if category not in (None, "") else order.category
    if cat is None:
        raise ValidationFailed("请选择事项分类。", fields={"category": ["必填"]})
    rule = find_rule(cat, order.region_code)
    if rule is None or not rule.on_spot_allowed:
        raise Forbidden(
            f"按权责清单，“{cat.name}”不允许网格员现场处置。", code=Code.ON_SPOT_NOT_ALLOWED
        )
    photos, order.no_photo_reason = _evidence(photos, no_photo_reason)
    from_state = order.status
    _cancel_assist_tasks(order, now=now, reason="网格员现场处置")
    if cat.pk != order.category_id:
        order.category = cat
        order.category_source = WorkOrder.CategorySource.REPORTER
        intake.category_corrected(actor=actor, order=order, category=cat)
    order.rule = rule
    order.mark_resolved_on_spot()
    order.handler = acting_user(actor)
    order.completed_at = now
    order.completed_on_time = order.deadline is None or now <= order.deadline
    order.resolved_on_spot = True
    order.resolved_in_grid = True
    order.triage_reason = ""
    _save(
        order,
        ["category", "category_source", "rule", "handler", "completed_at", "completed_on_time",
         "resolved_on_spot", "resolved_in_grid", "triage_reason", "no_photo_reason"],
        now,
    )  # fmt: skip
    event = _record(
        order,
        actor=actor,
        action=Action.RESOLVE_ON_SPOT,
        from_state=from_state,
        note=note,
        data={
            "rule": rule.pk,
            "rule_version": rule.version,
            "no_photo_reason": order.no_photo_reason,
        },
        at=now,
    )
    _store_photos(order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    order.warnings = [] if photos else [f"未上传处置照片（原因：{order.no_photo_reason}）。"]
    return order


@transaction.atomic
def work_order_cancel(*, actor, order, version, reason: str = "") -> WorkOrder:
    """撤销 before dispatch, by the reporter or a dispatcher."""
    now = timezone.now()
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(
        _is_dispatcher(actor) or (user is not None and order.reporter_id == user.pk),
        "只有上报人或指挥中心坐席可以撤销工单。",
    )
    check_version(order, version)
    _require_state(order, order.mark_cancelled, "撤销（已派遣的工单不能撤销）")
    reason = _text(reason, field="reason", label="撤销原因", required=False)
    from_state = order.status
    order.mark_cancelled()
    _save(order, [], now)
    _record(order, actor=actor, action=Action.CANCEL, from_state=from_state, note=reason, at=now)
    order.warnings = []
    return order


@transaction.atomic
def work_order_rate(
    *, actor, order, version, satisfaction: str, comment: str = "", reopen: bool = True
) -> WorkOrder:
    """评价 by the reporter once the order is handled (completed or archived). An unsatisfied
    rating reopens the order once (to handling, or to triage when no department holds it);
    a later unsatisfied rating is only recorded. One rating per completion."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_rater(acting_user(actor), order)
    check_version(order, version)
    _require_state(order, order.mark_rated, "评价")
    if satisfaction not in WorkOrder.Satisfaction.values:
        raise ValidationFailed(
            "满意度无效。",
            fields={"satisfaction": ["可选：satisfied, basically_satisfied, unsatisfied"]},
        )
    comment = _text(comment, field="comment", label="评价意见", required=False, max_length=1000)
    if order.rated_at and order.completed_at and order.rated_at >= order.completed_at:
        raise Conflict("您已评价过本次办理结果。", code=Code.ALREADY_RATED)
    from_state = order.status
    target = from_state
    reopened = False
    if satisfaction == WorkOrder.Satisfaction.UNSATISFIED and reopen and not order.rating_reopened:
        target = S.HANDLING if order.primary_department_id else S.TRIAGE
        reopened = True
    order.satisfaction = satisfaction
    order.rating_comment = comment
    order.rated_at = now
    fields = ["satisfaction", "rating_comment", "rated_at"]
    if reopened:
        _reopen_fields(order)
        order.rating_reopened = True
        if target == S.TRIAGE:
            _clear_deadline(order)
            order.sla_level = ""
            order.triage_reason = "unsatisfied"
        fields += REOPEN_FIELDS
    order.mark_rated(target)
    _save(order, fields, now)
    _record(
        order,
        actor=actor,
        action=Action.RATE,
        from_state=from_state,
        note=comment,
        data={"satisfaction": satisfaction, "reopened": reopened},
        at=now,
    )
    order.warnings = ["评价为不满意，工单已重新办理。"] if reopened else []
    return order


# =============================================================================================
# 吹哨 sub-tasks
# =============================================================================================


def _lock_task(actor, task) -> AssistTask:
    pk = getattr(task, "pk", task)
    qs = AssistTask.objects.select_for_update(of=("self",)).select_related("order", "department")
    if actor is not None:
        qs = qs.filter(order__in=WorkOrder.objects.visible_to(actor).values("pk"))
    try:
        return qs.get(pk=pk)
    except (AssistTask.DoesNotExist, ValueError, TypeError):
        raise NotFound("协办任务不存在或无权查看。")


def _task_conflict(task: AssistTask, what: str) -> Conflict:
    return Conflict(
        f"协办任务当前状态为“{task.get_status_display()}”，不能{what}。",
        code=Code.INVALID_STATE,
        fields={"status": [task.status]},
    )


@transaction.atomic
def assist_task_accept(*, actor, task, version, note: str = "") -> AssistTask:
    """报到: the cooperating department takes up its sub-task."""
    now = timezone.now()
    task = _lock_task(actor, task)
    _require(_is_staff_of(actor, task.department_id), "只有协办部门的工作人员可以报到。")
    check_version(task, version)
    if not can_proceed(task.mark_accepted):
        raise _task_conflict(task, "报到")
    if task.order.status not in WorkOrder.OPEN_STATES:
        raise _task_conflict(task, "报到（工单已办结）")
    note = _text(note, field="note", label="报到说明", required=False)
    task.mark_accepted()
    task.accepted_by, task.accepted_at, task.updated_at = acting_user(actor), now, now
    task.bump_version(fields=["status", "accepted_by", "accepted_at", "updated_at"])
    task._update_initial_state()
    _record(
        task.order,
        actor=actor,
        action=Action.ASSIST_ACCEPT,
        from_state=task.order.status,
        note=note or f"{task.department.name}报到",
        data={"task": task.pk, "department": task.department_id},
        at=now,
    )
    return task


@transaction.atomic
def assist_task_complete(*, actor, task, version, note: str, photos=()) -> AssistTask:
    """协办完成 with a note (and photos)."""
    now = timezone.now()
    task = _lock_task(actor, task)
    _require(_is_staff_of(actor, task.department_id), "只有协办部门的工作人员可以完成协办。")
    check_version(task, version)
    if not can_proceed(task.mark_done):
        raise _task_conflict(task, "完成")
    note = _text(note, field="note", label="协办结果", required=True)
    photos = validate_photos(photos)
    task.mark_done()
    task.completed_by, task.completed_at, task.result_note, task.updated_at = (
        acting_user(actor),
        now,
        note,
        now,
    )
    task.bump_version(
        fields=["status", "completed_by", "completed_at", "result_note", "updated_at"]
    )
    task._update_initial_state()
    event = _record(
        task.order,
        actor=actor,
        action=Action.ASSIST_COMPLETE,
        from_state=task.order.status,
        note=note,
        data={"task": task.pk, "department": task.department_id},
        at=now,
    )
    _store_photos(task.order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    return task


# =============================================================================================
# the responsibility list
# =============================================================================================


@transaction.atomic
def responsibility_rule_save(
    *,
    actor,
    category,
    primary_department,
    limit_value,
    limit_unit: str = TimeUnit.WORK_DAYS,
    region_prefix: str = "",
    cooperating_departments=(),
    urgent_limit_value=None,
    on_spot_allowed: bool = False,
    filing_criteria: str = "",
    closing_criteria: str = "",
    note: str = "",
) -> ResponsibilityRule:
    """Publish a rule: a new version of (category, region prefix). The previous current
    version stays (orders dispatched under it keep pointing at it) but is no longer current."""
    user = acting_user(actor)
    _require(
        actor is None or (user is not None and (user.is_superuser or user.has_role(Role.ADMIN))),
        "只有系统管理员可以修改权责清单。",
    )
    cat = _resolve_category(category)
    dept = _resolve_department(primary_department, field="primary_department")
    value, unit = _resolve_limit(limit_value, limit_unit)
    urgent = None
    if urgent_limit_value not in (None, ""):
        urgent, _ = _resolve_limit(urgent_limit_value, unit, field="urgent_limit_value")
    region_prefix = (region_prefix or "").strip()
    if region_prefix and not region_prefix.isdigit():
        raise ValidationFailed("区域编码前缀只能是数字。", fields={"region_prefix": ["只能是数字"]})
    coop = [
        _resolve_department(d, field="cooperating_departments") for d in cooperating_departments
    ]
    coop = [d for d in coop if d.pk != dept.pk]
    previous = (
        ResponsibilityRule.objects.select_for_update()
        .filter(category=cat, region_prefix=region_prefix, is_current=True)
        .first()
    )
    last_version = (
        ResponsibilityRule.objects.filter(category=cat, region_prefix=region_prefix)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    if previous is not None:
        ResponsibilityRule.objects.filter(pk=previous.pk).update(is_current=False)
    rule = ResponsibilityRule.objects.create(
        category=cat,
        region_prefix=region_prefix,
        primary_department=dept,
        limit_value=value,
        limit_unit=unit,
        urgent_limit_value=urgent,
        on_spot_allowed=bool(on_spot_allowed),
        filing_criteria=filing_criteria or "",
        closing_criteria=closing_criteria or "",
        version=last_version + 1,
        is_current=True,
        supersedes=previous,
        created_by=user,
        note=note or "",
    )
    if coop:
        rule.cooperating_departments.set(coop)
    audit_record(
        actor=actor,
        action="workorders.rule.publish",
        target=rule,
        before={"rule": previous.pk, "version": previous.version} if previous else None,
        after={
            "category": cat.code,
            "region_prefix": region_prefix,
            "primary_department": dept.pk,
            "cooperating_departments": [d.pk for d in coop],
            "limit": [value, unit],
            "on_spot_allowed": bool(on_spot_allowed),
            "version": rule.version,
        },
        note=note or "",
    )
    return rule


__all__ = [
    "ServiceError",
    "assist_task_accept",
    "assist_task_complete",
    "compute_deadline",
    "find_rule",
    "responsibility_rule_save",
    "validate_photos",
    "work_order_accept",
    "work_order_assist",
    "work_order_cancel",
    "work_order_complete",
    "work_order_create",
    "work_order_deadlines_recompute",
    "work_order_dispatch",
    "work_order_extend_decide",
    "work_order_extend_request",
    "work_order_merge",
    "work_order_rate",
    "work_order_reopen",
    "work_order_reporter_reveal",
    "work_order_resolve_on_spot",
    "work_order_return",
    "work_order_sla_sweep",
    "work_order_supervise",
    "work_order_verify",
]


# =============================================================================================
# SLA sweep (run by `yiwang sla-sweep`)
# =============================================================================================


def _sweep_mark(pk: int, status: str, old: str, new: str, now: dt.datetime) -> bool:
    """Move one order to a new colour only if it is still in the state we read (compare-and-set,
    healthchecks' sendalerts style); record the event. False when someone else moved it."""
    red = new == WorkOrder.Sla.RED
    updates = {"sla_level": new, "updated_at": now}
    if red:
        updates.update(supervised=True, supervised_at=now, supervise_count=F("supervise_count") + 1)
    with transaction.atomic():
        moved = WorkOrder.objects.filter(pk=pk, status=status, sla_level=old).update(**updates)
        if not moved:
            return False
        order = WorkOrder.objects.get(pk=pk)
        deadline = f"{timezone.localtime(order.deadline):%Y-%m-%d %H:%M}"
        _record(
            order,
            actor=None,
            action=Action.SLA_OVERDUE if red else Action.SLA_WARNING,
            from_state=status,
            note=(
                f"已超过处置时限（{deadline}），系统督办"
                if red
                else f"已用时限的 80%，请在 {deadline} 前办结"
            ),
            data={"from": old, "to": new, "deadline": order.deadline.isoformat()},
            at=now,
        )
        if red:  # 超期 → the department head
            notify(
                recipients=notify_to.department_heads(order.primary_department_id),
                kind="overdue",
                title=f"工单 {order.code} 已超期，系统督办",
                body=f"处置时限 {deadline}。{order.description[:80]}",
                link=f"/wo/{order.pk}/",
                sms_text=True,
            )
    return True


def work_order_sla_sweep(*, now: dt.datetime | None = None) -> dict:
    """Mark the orders whose SLA colour got worse since the last sweep (green → yellow → red)
    and record a warning (预警) or a supervision (超期督办) event for each. Idempotent: the
    colour is stored on the order, so a second run finds nothing to do. Each order moves in
    its own short transaction, guarded by `UPDATE … WHERE status = old AND sla_level = old`."""
    now = now or timezone.now()
    counts = {"red": 0, "yellow": 0, "skipped": 0}
    clock = list(WorkOrder.CLOCK_STATES)
    red = (
        WorkOrder.objects.filter(status__in=clock, deadline__lt=now)
        .exclude(sla_level=WorkOrder.Sla.RED)
        .values_list("pk", "status", "sla_level")
    )
    for pk, status, old in list(red):
        counts["red" if _sweep_mark(pk, status, old, WorkOrder.Sla.RED, now) else "skipped"] += 1
    yellow = WorkOrder.objects.filter(
        status__in=clock,
        yellow_at__lte=now,
        deadline__gte=now,
        sla_level__in=["", WorkOrder.Sla.GREEN],
    ).values_list("pk", "status", "sla_level")
    for pk, status, old in list(yellow):
        ok = _sweep_mark(pk, status, old, WorkOrder.Sla.YELLOW, now)
        counts["yellow" if ok else "skipped"] += 1
    return counts


# =============================================================================================
# the resident's report: the street's bounds, 我也遇到
# =============================================================================================


def refuse_outside_street(located) -> None:
    """A resident's point outside every street of the platform is refused (居民上报 only: the
    hotline and imports keep such calls for a person to triage). No street outline stored: no
    check, as the platform cannot tell."""
    if located is not None and located.region is not None:
        return
    from yiwang.grids.models import Region

    streets = list(
        Region.objects.filter(level=Region.Level.STREET, is_active=True)
        .exclude(geojson="")
        .values_list("name", flat=True)[:3]
    )
    if not streets:
        return
    where = streets[0] if len(streets) == 1 else "本平台所辖街道"
    message = (
        f"该位置不在{where}范围内，本平台只受理{where}的问题。请在地图上重新点选问题位置"
        "（可点“定位到我”），其他地区的问题请拨打 12345 热线。"
    )
    raise ValidationFailed(
        message, code=Code.OUTSIDE_STREET, fields={"lon": [message], "lat": [message]}
    )


@transaction.atomic
def work_order_support(*, actor, order, description: str = "", lon=None, lat=None):
    """我也遇到: the actor met the problem of an open order and joins it instead of filing a
    duplicate. They become a supporter (and a follower, to see its progress and be told when it
    is done); no new order is made. Open orders only (a finished or unknown one answers "not
    found"); twice on the same order answers 409; the reporter of the order cannot support it."""
    from yiwang.workorders.models import WorkOrderSupporter

    user = acting_user(actor)
    if user is None:
        raise Forbidden("请先登录。")
    description = _text(
        description, field="description", label="补充描述", required=False,
        max_length=DESCRIPTION_MAX,
    )  # fmt: skip
    lon = _parse_coordinate(lon, field="lon", label="经度", low=-180, high=180)
    lat = _parse_coordinate(lat, field="lat", label="纬度", low=-90, high=90)
    pk = getattr(order, "pk", order)
    try:
        order = (
            WorkOrder.objects.select_for_update(of=("self",))
            .filter(status__in=WorkOrder.OPEN_STATES)
            .get(pk=pk)
        )
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound("该工单不存在或已办结。")
    if order.reporter_id == user.pk:
        raise Conflict("这是您自己上报的工单，无需再点“我也遇到”。", code=Code.ALREADY_SUPPORTED)
    if WorkOrderSupporter.objects.filter(order=order, user=user).exists():
        raise Conflict(
            "您已对该工单点过“我也遇到”，处理进展会通知您。", code=Code.ALREADY_SUPPORTED
        )
    supporter = WorkOrderSupporter.objects.create(
        order=order, user=user, description=description, lon=lon, lat=lat
    )
    order.followers.add(user)
    _record(
        order,
        actor=actor,
        action=Action.SUPPORT,
        from_state=order.status,
        note=description[:200],
        data={"supporters": order.supporters.count()},
    )
    return supporter
