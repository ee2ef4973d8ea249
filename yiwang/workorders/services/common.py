"""Shared private helpers of the work-order services: scope and role checks, locking, text
and limit parsing, the timeline record, deadlines, photos and evidence."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable

from django.conf import settings
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
    ValidationFailed,
)
from yiwang.core.statements import insert_row
from yiwang.core.workdays import (
    TimeUnit,
    add_work_hours,
    deadline_with_basis,
    working_seconds_between,
)
from yiwang.notifications.services import notify
from yiwang.workorders import refdata
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
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


def notify_order(order, *, recipients, kind: str, title: str, actor, body: str | None = None):
    """Tell people about an order (派遣, 返工, 吹哨, 结案 …): in the inbox with a link to the
    order's page and by SMS; the body is the order's text unless another is given."""
    notify(
        recipients=recipients,
        kind=kind,
        title=title,
        body=order.description[:100] if body is None else body,
        link=f"/wo/{order.pk}/",
        sms_text=True,
        actor=actor,
    )
