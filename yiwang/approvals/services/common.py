"""Helpers shared by the approvals services: the clock, working-day limits (行政许可法 Art. 82),
locked reads with compare-and-set saves, the timeline recorder, state-conflict answers and the
collector of a form's refusals."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from yiwang.accounts.models import OrgUnit
from yiwang.approvals import cache
from yiwang.approvals.catalogue import (
    Requirement,
    requirements_for,
)
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStep,
    Bundle,
    CenterPolicy,
    ServiceItem,
    Status,
)
from yiwang.approvals.permissions import is_clerk_of
from yiwang.core import workdays
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed
from yiwang.core.statements import insert_rows
from yiwang.core.workdays import local_tz
from yiwang.notifications.services import is_mobile, notify, notify_phone

A = Application


S = Status


def _now() -> dt.datetime:
    return timezone.now()


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(local_tz()).date()


def add_workdays(start: dt.datetime, days: int) -> tuple[dt.datetime, bool]:
    """Close of office on the `days`-th working day after `start`'s day (行政许可法 Art. 82: all
    limits of a licence are working days), and whether it is provisional (预估): counted into a
    year whose holidays are not entered yet (core.workdays)."""
    return workdays.deadline_with_basis(start, days, workdays.TimeUnit.WORK_DAYS)


def workdays_in(after: dt.datetime, until: dt.datetime) -> int:
    """Working days d with after.date < d <= until.date (the days a pause took)."""
    a, b = _today(after), _today(until)
    n = 0
    while a < b:
        a += dt.timedelta(days=1)
        n += workdays.is_workday(a)
    return n


def policy_for(street: OrgUnit) -> CenterPolicy:
    def load():
        return CenterPolicy.objects.filter(street_id=street.pk).first() or CenterPolicy(
            street_id=street.pk
        )

    return cache.cached(("policy", street.pk), load)


def _one_of(choices, allowed=None) -> str:
    """ "可选：窗口领取、邮寄送达、电子证照": the labels a person reads, never the stored values."""
    labels = [label for value, label in choices if allowed is None or value in allowed]
    return f"可选：{'、'.join(labels)}"


def _require_clerk(actor, app: Application) -> None:
    if not is_clerk_of(actor, app.street_id):
        raise Forbidden("只有本中心的综窗人员可以办理此操作。", code=E.NOT_WINDOW_CLERK)


def _require_top(app: Application) -> None:
    if app.parent_id:
        raise Conflict(
            "这是“一件事”的子件，请在一件事主件上办理此操作。",
            code=E.USE_PARENT,
            fields={"parent": [str(app.parent_id)]},
        )


def _transition(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except TransitionNotAllowed:
        app = method.__self__
        label = dict(S.choices).get(app.status, app.status)
        raise Conflict(
            f"办件当前状态为“{label}”，不能执行此操作。",
            code=E.WRONG_STATE,
            fields={"status": [app.status]},
        )


def _count_visit(app: Application, now: dt.datetime) -> None:
    today = _today(now)
    if app.last_visit_on != today:
        app.visits += 1
        app.last_visit_on = today


def _new_number(now: dt.datetime) -> str:
    return f"{now.astimezone(local_tz()):%Y%m%d}{secrets.token_hex(4).upper()}"


@dataclass
class _Recorder:
    """Collects timeline events and writes them in one statement."""

    actor: object
    now: dt.datetime

    def __post_init__(self):
        self.events: list[ApplicationEvent] = []
        self.actor_name = (
            getattr(self.actor, "display_name", "") or getattr(self.actor, "username", "") or "系统"
        )

    def add(self, app, action, label, *, from_status="", to_status="", note="", data=None):
        self.events.append(
            ApplicationEvent(
                application=app,
                at=self.now,
                actor=self.actor if getattr(self.actor, "pk", None) else None,
                actor_name=self.actor_name,
                action=action,
                label=label,
                from_status=from_status,
                to_status=to_status,
                note=note,
                data=data or {},
            )
        )

    def flush(self):
        insert_rows(self.events)
        self.events = []


def _locked(
    app: Application,
    *,
    load: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
    related: tuple[str, ...] = (),
) -> Application:
    """Re-read the row under a write lock (a no-op lock on SQLite, whose IMMEDIATE transactions
    already serialise writers); the version the client sent is checked against this read.

    By default every column but the personal data, which is decrypted only when used (name in
    `load` the personal fields the caller reads). A hot path names in `only` the columns it
    reads: any other costs a query on access, which the tests' query-count pins would show;
    `related` joins the rows of foreign keys it reads whole (never locked: `of=self`)."""
    rows = A.objects.select_for_update(of=("self",))
    if related:  # (an empty select_related() would join every foreign key)
        rows = rows.select_related(*related)
    if only:
        rows = rows.only(*only)
    else:
        rows = rows.defer(*(f for f in _DEFERRED if f not in load))
    fresh = rows.get(pk=app.pk)
    _attach_catalogue(fresh)
    return fresh


_CONTACT = ("applicant_phone", "applicant_id_number")


_DEFERRED = (*_CONTACT, "form_private")
# what a cascaded child transition and its timeline event read


_STATE = ("id", "parent", "status")
# what every transition reads: the state, the links and what the audit row names


_CORE = (*_STATE, "version", "kind", "number", "item", "bundle", "street")


def _attach_catalogue(app: Application) -> None:
    """Attach the item, bundle and street from the catalogue cache (read-only rows) instead of
    joining them on every locked read."""
    if app.item_id:
        app.item = cache.cached(
            ("item", app.item_id),
            lambda: ServiceItem.objects.select_related("department").get(pk=app.item_id),
        )
    if app.bundle_id:
        app.bundle = cache.cached(
            ("bundle", app.bundle_id), lambda: Bundle.objects.get(pk=app.bundle_id)
        )
    app.street = _unit(app.street_id)


def _unit(pk: int) -> OrgUnit:
    """A street or department, from the catalogue cache."""
    return cache.cached(("unit", pk), lambda: OrgUnit.objects.get(pk=pk))


def _save_child(child: Application, expected_status: str, fields: list[str]) -> None:
    """Write a cascaded child transition, only if the child is still in the state we read."""
    columns = [child._meta.get_field(f).attname for f in fields]
    values = {column: getattr(child, column) for column in columns}
    done = A.objects.filter(pk=child.pk, status=expected_status).update(
        version=F("version") + 1, **values
    )
    if done != 1:
        raise Conflict("一件事子件的状态已被他人修改，请刷新后重试。", code=E.WRONG_STATE)
    child.version += 1


def _save(app: Application, fields: list[str]) -> None:
    """Compare-and-set on the version we read: a concurrent writer makes this a 409."""
    app.bump_version(fields=fields)
    app._update_initial_state()


class _Problems:
    """Collects the refusals of the independent checks of one form, so the person sees every
    field to correct at once (each next to its field), not one per attempt."""

    def __init__(self):
        self.first: ValidationFailed | None = None
        self.fields: dict[str, list[str]] = {}

    def collect(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationFailed as exc:
            self.first = self.first or exc
            for name, messages in (exc.fields or {}).items():
                self.fields.setdefault(name, []).extend(messages)
            return None

    def raise_any(self) -> None:
        if self.first is None:
            return
        if len(self.fields) > 1:
            message = f"有 {len(self.fields)} 处需要修改，请按各项下方的提示改正后重新提交。"
        else:
            message = self.first.message
        raise ValidationFailed(message, code=self.first.code, fields=self.fields)


def _refuse(message: str, field: str, problem: str) -> None:
    raise ValidationFailed(message, fields={field: [problem]})


def _set_refusal(app: Application, reason: str, legal_basis: str) -> None:
    """A refusal (不予受理, 不予办理) states its reason and legal basis in writing (行政许可法
    Art. 32, 38): both required, set on the application stripped."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["请填写理由"]
    if not (legal_basis or "").strip():
        errors["legal_basis"] = ["请填写法律依据"]
    if errors:
        raise ValidationFailed("须写明理由和法律依据。", code=E.REASON_REQUIRED, fields=errors)
    app.reason, app.legal_basis = reason.strip(), legal_basis.strip()


def _refusal_note(app: Application) -> str:
    return f"{app.reason}（依据：{app.legal_basis}）"


def _current_material_keys(owner: Application) -> set[str]:
    current = ApplicationMaterial.objects.filter(application=owner, is_current=True)
    # unordered: the model's default ordering would join the application table
    return set(current.order_by().values_list("key", flat=True))


def requirements_of(app: Application) -> list[Requirement]:
    if app.kind == A.Kind.BUNDLE:
        return requirements_for(bundle=app.bundle)
    if app.kind == A.Kind.SUB:
        produced = app.bundle.produced_materials or []
        return [r for r in requirements_for(item=app.item) if r.key not in produced]
    return requirements_for(item=app.item)


def _active_step(app: Application) -> ApplicationStep | None:
    return (
        ApplicationStep.objects.select_for_update(of=("self",))
        .filter(application=app, state=ApplicationStep.State.ACTIVE)
        .first()
    )


def _tell_applicant(app: Application, *, kind: str, title: str, body: str, actor) -> None:
    """Tell the applicant (their inbox, and an SMS when their account has a phone) with a link
    to the application's page. An application filed at the door (上门办) tells the party-mass
    specialist who filed it too: the applicant may have no account, and the specialist brings
    the notice or the result to the door. An applicant with no account (a walk-in filed at the
    window or the door, known only by the phone from the 人口库 or the form) is told by SMS to
    that phone. Runs in the caller's transaction (notifications)."""
    if not app.applicant_id:
        _text_walk_in(app, kind=kind, title=title, body=body, actor=actor)
    recipients = [app.applicant if app.applicant_id else None]
    if app.channel == A.Channel.HOME and app.submitted_by_id != app.applicant_id:
        recipients.append(app.submitted_by)
    notify(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body[:300],
        link=reverse("approvals:detail", args=[app.pk]),
        sms_text=True,
        actor=actor,
    )


def _text_walk_in(app: Application, *, kind: str, title: str, body: str, actor) -> None:
    """短信告知 to the phone of an applicant without an account (read only here: the column
    is deferred on the hot paths, so an account holder's notice costs no decryption)."""
    phone = app.applicant_phone
    if is_mobile(phone):  # a landline cannot take an SMS; the window phones them instead
        notify_phone(phone=phone, kind=kind, title=title, body=body[:300], actor=actor)
