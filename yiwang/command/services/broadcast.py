"""Task broadcast (工作布置): the command center sends a task to chosen grids or to every grid
of a community or street; each grid's worker confirms (收到) and reports back (回报)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.scope import data_scope
from yiwang.command.models import Task, TaskAssignment
from yiwang.command.services.common import parse_moment, require_desk, text
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, NotFound, ValidationFailed
from yiwang.grids.models import GridWorker, Region
from yiwang.notifications.services import notify

A = TaskAssignment.State
MAX_GRIDS = 2000


def _visible_grids(actor):
    return Region.objects.visible_to(actor).filter(level=Region.Level.GRID, is_active=True)


def _resolve_grids(actor, grids, region) -> list[Region]:
    """The grids a task goes to: the listed codes, or every active grid under `region`."""
    visible = _visible_grids(actor)
    if grids not in (None, "", []):
        if not isinstance(grids, list) or not all(isinstance(c, str) for c in grids):
            raise ValidationFailed(
                "grids 须为网格编码的列表。", fields={"grids": ["须为字符串列表"]}
            )
        codes = sorted({c.strip() for c in grids if c.strip()})
        if len(codes) > MAX_GRIDS:
            raise ValidationFailed(f"一次最多布置 {MAX_GRIDS} 个网格。", fields={"grids": ["过多"]})
        found = list(visible.filter(code__in=codes))
        missing = sorted(set(codes) - {g.code for g in found})
        if missing:
            raise ValidationFailed(
                f"以下网格不存在或不在您的管辖范围：{'、'.join(missing[:10])}。",
                fields={"grids": [f"未知网格 {c}" for c in missing[:10]]},
            )
        return found
    if region not in (None, ""):
        if not isinstance(region, str):
            raise ValidationFailed("region 须为区域编码。", fields={"region": ["须为字符串"]})
        found = list(visible.filter(code__startswith=region.strip()).order_by("code"))
        if not found:
            raise ValidationFailed(
                "该区域下没有您可布置的网格。", fields={"region": ["区域不存在或其中没有网格"]}
            )
        return found
    raise ValidationFailed(
        "请至少选择一个网格（grids）或一个社区/街道（region）。",
        fields={"grids": ["至少一个网格"]},
    )


def _common_region(codes: list[str]) -> str:
    for length in (15, 12, 9):
        heads = {c[:length] for c in codes}
        if len(heads) == 1:
            return heads.pop()
    return ""


def _report_fields(value) -> list[str]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationFailed(
            "回报表单须为项目名称的列表。", fields={"report_fields": ["须为非空字符串列表"]}
        )
    if len(value) > 20:
        raise ValidationFailed("回报项目最多 20 项。", fields={"report_fields": ["最多 20 项"]})
    return [v.strip()[:50] for v in value]


def grid_worker_users(grids) -> list:
    rows = GridWorker.objects.filter(region__in=grids, is_active=True, user__isnull=False)
    return [w.user for w in rows.select_related("user")]


@transaction.atomic
def task_create(
    *,
    actor,
    title,
    instructions="",
    grids=None,
    region=None,
    due,
    report_fields=None,
    incident=None,
    now: dt.datetime | None = None,
) -> Task:
    """Send a task to grids (工作布置): one assignment per grid, its workers told in the inbox
    and by SMS."""
    require_desk(actor, "布置工作")
    now = now or timezone.now()
    title = text(title, field="title", label="任务标题", required=True, max_length=100)
    instructions = text(
        instructions, field="instructions", label="工作要求", required=False, max_length=4000
    )
    due_at = parse_moment(due, field="due", label="完成时限")
    if due_at <= now:
        raise ValidationFailed("完成时限不能早于现在。", fields={"due": ["须晚于当前时间"]})
    fields = _report_fields(report_fields)
    targets = _resolve_grids(actor, grids, region)
    region_code = _common_region([g.code for g in targets])
    if not region_code:
        scope = data_scope(actor)
        region_code = (scope.region_prefixes or ("",))[0]
    task = Task.objects.create(
        title=title,
        instructions=instructions,
        due=due_at,
        region_code=region_code,
        report_fields=fields,
        created_by=actor,
        incident=incident,
    )
    TaskAssignment.objects.bulk_create([TaskAssignment(task=task, grid=g) for g in targets])
    audit_record(
        actor=actor,
        action="task.create",
        target=task,
        after={"title": title, "due": due_at, "grids": [g.code for g in targets]},
    )
    notify(
        recipients=grid_worker_users(targets),
        kind="task",
        title=f"工作布置：{title}",
        body=f"请于 {timezone.localtime(due_at):%m月%d日 %H:%M} 前完成并回报。{instructions[:200]}",
        link="/command/tasks/mine/",
        sms_text=True,
        actor=actor,
    )
    return task


def _lock_assignment(actor, task_id, grid_code) -> TaskAssignment:
    """The assignment of `grid_code` in task `task_id`, only for a worker of that grid
    (anyone else: not found)."""
    try:
        row = (
            TaskAssignment.objects.select_for_update()
            .select_related("task", "grid")
            .get(task_id=int(task_id), grid__code=str(grid_code))
        )
    except (TaskAssignment.DoesNotExist, TypeError, ValueError):
        raise NotFound("任务不存在或不是您网格的任务。")
    works_there = GridWorker.objects.filter(
        region_id=row.grid_id, user_id=getattr(actor, "pk", None), is_active=True
    ).exists()
    if not works_there:
        raise NotFound("任务不存在或不是您网格的任务。")
    return row


def _check_version(row, version) -> None:
    if version not in (None, "") and str(version) != str(row.version):
        from yiwang.core.errors import StaleVersion

        raise StaleVersion(fields={"version": [f"当前版本为 {row.version}"]})


@transaction.atomic
def task_assignment_confirm(*, actor, task_id, grid_code, version=None) -> TaskAssignment:
    """The grid worker confirms receipt (收到)."""
    row = _lock_assignment(actor, task_id, grid_code)
    _check_version(row, version)
    if row.state != A.SENT:
        raise Conflict(f"该任务已{row.get_state_display()}，无需再次确认。", code="invalid_state")
    now = timezone.now()
    TaskAssignment.objects.filter(pk=row.pk, version=row.version).update(
        state=A.CONFIRMED, confirmed_at=now, confirmed_by=actor, version=row.version + 1
    )
    audit_record(
        actor=actor,
        action="task.confirm",
        target=row,
        before={"state": row.state},
        after={"state": A.CONFIRMED},
    )
    row.refresh_from_db()
    return row


def _report_values(row, values) -> dict:
    if values in (None, ""):
        values = {}
    if not isinstance(values, dict):
        raise ValidationFailed("回报数据须为对象。", fields={"values": ["须为对象"]})
    allowed = set(row.task.report_fields)
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValidationFailed(
            f"回报表单中没有这些项目：{'、'.join(unknown[:5])}。", fields={"values": ["未知项目"]}
        )
    missing = [k for k in row.task.report_fields if str(values.get(k, "")).strip() == ""]
    if missing:
        raise ValidationFailed(
            f"请填写回报项目：{'、'.join(missing)}。", fields={"values": [f"缺少 {missing[0]}"]}
        )
    return {k: str(v)[:200] for k, v in values.items()}


@transaction.atomic
def task_assignment_report(
    *, actor, task_id, grid_code, note, values=None, version=None, now=None
) -> TaskAssignment:
    """The grid worker reports back (回报); a report also confirms. On time = by the due."""
    row = _lock_assignment(actor, task_id, grid_code)
    _check_version(row, version)
    if row.state == A.REPORTED:
        raise Conflict("该网格已回报，不能重复回报。", code="invalid_state")
    note = text(note, field="note", label="回报说明", required=True, max_length=2000)
    report = _report_values(row, values)
    now = now or timezone.now()
    changes = {
        "state": A.REPORTED,
        "reported_at": now,
        "reported_by": actor,
        "note": note,
        "report_values": report,
        "on_time": now <= row.task.due,
        "version": row.version + 1,
    }
    if row.confirmed_at is None:
        changes.update(confirmed_at=now, confirmed_by=actor)
    TaskAssignment.objects.filter(pk=row.pk, version=row.version).update(**changes)
    audit_record(
        actor=actor,
        action="task.report",
        target=row,
        before={"state": row.state},
        after={"state": A.REPORTED, "on_time": changes["on_time"], "note": note},
    )
    notify(
        recipients=[row.task.created_by],
        kind="task",
        title=f"{row.grid.name} 已回报：{row.task.title}",
        body=note[:200],
        link=f"/command/tasks/{row.task_id}/",
        actor=actor,
    )
    row.refresh_from_db()
    return row
