"""Every write of the approvals app: submitting, the life-cycle transitions, materials, 好差评
and 差评整改. One function per use case, keyword-only, in one transaction, with an audit row and
the applicant's timeline event written in the same transaction.

Timing (行政许可法, reference.md §5.1): limits are working days from acceptance (Art. 82); a
一次性告知 (Art. 32) before acceptance keeps the clock unstarted, and one during review stops
it until the applicant supplements (the working days in between are added to the deadline).
Visits (最多跑一次): an action the applicant attends in person counts one visit; several
actions on the same day count as one trip.

A bundle (一件事) is a parent whose children are the item applications. The window acts on the
parent (accept, 一次性告知, reject, deliver, rate) and the action cascades to the children;
departments act on the children (approve_step, deny), and the parent concludes when the last
child is decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from yiwang.accounts.models import OrgUnit, Role
from yiwang.approvals import cache, issuing
from yiwang.approvals.catalogue import (
    Requirement,
    bundle_items,
    clean_form,
    fields_for,
    requirements_for,
    split_private,
)
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    AffairType,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStep,
    Bundle,
    CenterPolicy,
    HeldUpload,
    Paper,
    RatedStage,
    Rating,
    RatingLevel,
    Rectification,
    RectificationFollowUp,
    ResultDocument,
    ServiceItem,
    Status,
    StepFlow,
)
from yiwang.approvals.permissions import _memberships, holds_step, is_clerk_of, streets_of
from yiwang.core import conditions, workdays
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version
from yiwang.core.statements import insert_rows
from yiwang.core.workdays import local_tz
from yiwang.notifications.services import notify

A = Application
S = Status

# File signatures (magic numbers) of the formats materials may take.
MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "ofd": (b"PK\x03\x04",),
}
EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png", "ofd": "ofd"}

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


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
    app: Application, *, load: tuple[str, ...] = (), only: tuple[str, ...] = ()
) -> Application:
    """Re-read the row under a write lock (a no-op lock on SQLite, whose IMMEDIATE transactions
    already serialise writers); the version the client sent is checked against this read.

    By default every column but the personal data, which is decrypted only when used (name in
    `load` the personal fields the caller reads). A hot path names in `only` the columns it
    reads: any other costs a query on access, which the tests' query-count pins would show."""
    rows = A.objects.select_for_update(of=("self",))
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


# ---------------------------------------------------------------------------------------------
# Materials: checks shared by submission and upload
# ---------------------------------------------------------------------------------------------


@dataclass
class MaterialInput:
    """One material handed in: a file (`content` bytes + `filename`), a reuse of an earlier
    material (`reuse` id, 免提交), or a paper copy seen at the window (`paper`)."""

    key: str
    filename: str = ""
    content: bytes | None = None
    reuse: int | None = None
    paper: bool = False


def _requirement(requirements: list[Requirement], key: str) -> Requirement:
    for r in requirements:
        if r.key == key:
            return r
    raise ValidationFailed(
        f"该事项不需要材料“{key}”。", code=E.UNKNOWN_MATERIAL, fields={key: ["未知材料"]}
    )


def check_file(req: Requirement, filename: str, content: bytes) -> str:
    """The normalised extension of a valid file, or ValidationFailed: the extension must be one
    the material allows, the content must start with that format's signature, and the size must
    not exceed YIWANG_UPLOAD_MAX_BYTES."""
    ext = EXTENSIONS.get(filename.rsplit(".", 1)[-1].lower() if "." in filename else "", "")
    allowed = "、".join(f.upper() for f in req.formats)
    if not ext or ext not in req.formats:
        raise ValidationFailed(
            f"“{req.name}”只接受 {allowed} 格式的文件，收到的是“{filename}”。",
            code=E.WRONG_FILE_TYPE,
            fields={req.key: [f"文件类型应为 {allowed}"]},
        )
    if not content:
        raise ValidationFailed(
            f"“{req.name}”的文件是空的。", code=E.WRONG_FILE_TYPE, fields={req.key: ["空文件"]}
        )
    limit = settings.UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationFailed(
            f"“{req.name}”的文件超过 {limit // (1024 * 1024)} MB。",
            code=E.FILE_TOO_LARGE,
            fields={req.key: [f"文件不能超过 {limit} 字节"]},
        )
    if not content.startswith(MAGIC[ext]):
        raise ValidationFailed(
            f"“{req.name}”的文件内容不是 {ext.upper()} 格式（扩展名与内容不符）。",
            code=E.WRONG_FILE_TYPE,
            fields={req.key: ["文件内容与扩展名不符"]},
        )
    return ext


def _reusable_source(req: Requirement, material_id, applicant_id) -> ApplicationMaterial:
    """An earlier material of the same applicant, same key, on an approved application."""
    if not req.reusable:
        raise ValidationFailed(
            f"“{req.name}”不支持免提交，请上传。",
            code=E.NOT_REUSABLE,
            fields={req.key: ["不支持免提交"]},
        )
    source = (
        ApplicationMaterial.objects.filter(
            pk=material_id,
            key=req.key,
            application__applicant_id=applicant_id,
            application__status__in=[S.APPROVED, S.DELIVERED],
        )
        .exclude(file="")
        .first()
        if applicant_id and str(material_id).isdigit()
        else None
    )
    if source is None:
        raise ValidationFailed(
            f"找不到可复用的“{req.name}”：只能复用本人已办结事项中的同一材料。",
            code=E.NOT_REUSABLE,
            fields={req.key: ["没有可复用的材料"]},
        )
    return source


def _build_material(
    app: Application, req: Requirement, inp: MaterialInput, *, actor, now, channel
) -> ApplicationMaterial:
    """Validate one input and return an unsaved ApplicationMaterial (its file stored)."""
    base = {
        "application": app,
        "key": req.key,
        "name": req.name,
        "uploaded_by": actor,
        "uploaded_at": now,
    }
    if inp.reuse is not None:
        src = _reusable_source(req, inp.reuse, app.applicant_id)
        return ApplicationMaterial(
            **base,
            source=ApplicationMaterial.Source.REUSE,
            file=src.file.name,
            original_name=src.original_name,
            content_type=src.content_type,
            size=src.size,
            sha256=src.sha256,
            reused_from=src,
        )
    if inp.paper:
        if channel == A.Channel.ONLINE and not is_clerk_of(actor, app.street_id):
            raise ValidationFailed(
                f"网上申报须上传“{req.name}”的电子件。",
                code=E.MISSING_MATERIALS,
                fields={req.key: ["须上传电子件"]},
            )
        return ApplicationMaterial(**base, source=ApplicationMaterial.Source.PAPER)
    content = inp.content or b""
    ext = check_file(req, inp.filename or "", content)
    material = ApplicationMaterial(
        **base,
        source=ApplicationMaterial.Source.UPLOAD,
        original_name=(inp.filename or "")[:200],
        content_type=ext,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return material


def _store(material: ApplicationMaterial, content: bytes) -> None:
    day = material.uploaded_at.astimezone(local_tz())
    name = f"approvals/{day:%Y/%m}/{secrets.token_hex(12)}.{material.content_type}"
    material.file.name = default_storage.save(name, ContentFile(content))


# ---------------------------------------------------------------------------------------------
# Submission (申请)
# ---------------------------------------------------------------------------------------------


def _resolve_target(item, bundle):
    if bool(item) == bool(bundle):
        raise ValidationFailed(
            "请指定一个事项 item 或一件事 bundle（二选一）。",
            code=E.UNKNOWN_ITEM,
            fields={"item": ["二选一"]},
        )
    if isinstance(item, str):
        found = ServiceItem.objects.select_related("department").filter(code=item, is_active=True)
        item = found.prefetch_related("materials").first()
        if item is None:
            raise ValidationFailed(
                "找不到该事项。", code=E.UNKNOWN_ITEM, fields={"item": ["未知事项编码"]}
            )
    if isinstance(bundle, str):
        bundle = Bundle.objects.filter(code=bundle, is_active=True).first()
        if bundle is None:
            raise ValidationFailed(
                "找不到该“一件事”。", code=E.UNKNOWN_ITEM, fields={"bundle": ["未知一件事编码"]}
            )
    return item, bundle


def _resolve_street(actor, street, channel) -> OrgUnit:
    if isinstance(street, OrgUnit):
        unit = street
    elif street:
        unit = OrgUnit.objects.filter(code=street, kind=OrgUnit.Kind.STREET).first()
        if unit is None:
            raise ValidationFailed("找不到该街道。", fields={"street": ["未知街道编码"]})
    else:
        roles = (
            (Role.WINDOW_CLERK,)
            if channel == A.Channel.WINDOW
            else (
                (Role.PARTY_SPECIALIST, Role.WINDOW_CLERK)
                if channel == A.Channel.HOME
                else tuple(Role.values)
            )
        )
        ids = streets_of(actor, *roles)
        if not ids and channel != A.Channel.ONLINE and not actor.is_superuser:
            raise Forbidden("只有综窗人员或党群专员可以代为申报。", code=E.NOT_WINDOW_CLERK)
        if len(ids) != 1:
            raise ValidationFailed("请选择办理街道 street。", fields={"street": ["必填"]})
        unit = _unit(next(iter(ids)))
    if channel == A.Channel.WINDOW and not is_clerk_of(actor, unit.pk):
        raise Forbidden("只有本中心的综窗人员可以代为申报。", code=E.NOT_WINDOW_CLERK)
    if channel == A.Channel.HOME and not (
        actor.is_superuser or unit.pk in streets_of(actor, Role.PARTY_SPECIALIST, Role.WINDOW_CLERK)
    ):
        raise Forbidden("只有本街道的党群专员可以上门代办。", code=E.NOT_WINDOW_CLERK)
    return unit


def _check_devolved(items: list[ServiceItem], street: OrgUnit) -> None:
    devolved = cache.cached(
        ("devolved", street.pk),
        lambda: frozenset(
            ServiceItem.devolved_to.through.objects.filter(orgunit_id=street.pk).values_list(
                "serviceitem_id", flat=True
            )
        ),
    )
    missing = [i.name for i in items if i.pk not in devolved]
    if missing:
        raise ValidationFailed(
            f"{'、'.join(missing)}未下放至{street.name}，请到有权限的部门办理。",
            code=E.NOT_DEVOLVED,
            fields={"item": [f"未下放至{street.name}：{'、'.join(missing)}"]},
        )


def _applicant(actor, channel, applicant: dict | None) -> dict:
    from yiwang.accounts.models import User
    from yiwang.core.validators import check_id_number, check_phone

    if channel == A.Channel.ONLINE:
        info = dict(applicant or {})
        return {
            "applicant": actor,
            "applicant_name": info.get("name") or actor.display_name or actor.username,
            "applicant_phone": info.get("phone") or actor.phone or "",
            "applicant_id_number": info.get("id_number") or "",
            "company_name": info.get("company") or "",
        }
    info = dict(applicant or {})
    errors = {}
    if not info.get("name"):
        errors["applicant.name"] = ["请填写申请人姓名"]
    if info.get("phone") and (msg := check_phone(str(info["phone"]))):
        errors["applicant.phone"] = [msg]
    if info.get("id_number") and (msg := check_id_number(str(info["id_number"]))):
        errors["applicant.id_number"] = [msg]
    user = None
    if info.get("username"):
        user = User.objects.filter(username=info["username"]).first()
        if user is None:
            errors["applicant.username"] = ["找不到该账号"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return {
        "applicant": user,
        "applicant_name": info["name"],
        "applicant_phone": str(info.get("phone") or ""),
        "applicant_id_number": str(info.get("id_number") or "").upper(),
        "company_name": info.get("company") or "",
    }


def _collect_materials(app, requirements, inputs, *, actor, now, channel, need_all=True):
    """Validate every input (all problems of one kind at once for missing ones) and return
    unsaved materials with their contents."""
    inputs = list(inputs or [])
    seen = {}
    for inp in inputs:
        _requirement(requirements, inp.key)
        seen[inp.key] = inp
    if need_all:
        missing = [r for r in requirements if r.required and r.key not in seen]
        if missing:
            names = "、".join(r.name for r in missing)
            raise ValidationFailed(
                f"缺少必要材料：{names}。",
                code=E.MISSING_MATERIALS,
                fields={r.key: [f"请提交“{r.name}”"] for r in missing},
            )
    built = []
    for inp in seen.values():
        req = _requirement(requirements, inp.key)
        built.append((_build_material(app, req, inp, actor=actor, now=now, channel=channel), inp))
    return built


_NO_APPLICANT = {
    "applicant": None,
    "applicant_name": "",
    "applicant_phone": "",
    "applicant_id_number": "",
    "company_name": "",
}


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


@transaction.atomic
def application_submit(
    *,
    actor,
    item: ServiceItem | str | None = None,
    bundle: Bundle | str | None = None,
    form: dict | None = None,
    materials: list[MaterialInput] | None = None,
    channel: str | None = None,
    street: OrgUnit | str | None = None,
    applicant: dict | None = None,
) -> Application:
    """申请: online by the applicant, at the window by a clerk on someone's behalf, or at home
    by a party-mass specialist (上门办). Checks the item is devolved to the street, the form,
    and that every required material is handed in; a bundle fans out into one sub-application
    per item, each to its department."""
    item, bundle = _resolve_target(item, bundle)
    if channel is None:
        channel = A.Channel.ONLINE
    if channel not in A.Channel.values:
        raise ValidationFailed("申请渠道无效。", fields={"channel": [f"可选：{A.Channel.values}"]})
    street_unit = _resolve_street(actor, street, channel)
    items = bundle_items(bundle) if bundle is not None else [item]
    _check_devolved(items, street_unit)
    fields = fields_for(item=item, bundle=bundle)
    problems = _Problems()
    cleaned = problems.collect(clean_form, fields, form) or {}
    public, private = split_private(fields, cleaned)
    who = problems.collect(_applicant, actor, channel, applicant) or _NO_APPLICANT
    now = _now()
    notice_deadline, _ = add_workdays(now, policy_for(street_unit).notice_workdays)
    app = A(
        number=_new_number(now),
        kind=A.Kind.BUNDLE if bundle is not None else A.Kind.ITEM,
        item=item,
        bundle=bundle,
        street=street_unit,
        department=bundle.lead_department if bundle is not None else item.department,
        status=S.SUBMITTED,
        channel=channel,
        submitted_by=actor,
        form=public,
        form_private=json.dumps(private, ensure_ascii=False) if private else "",
        submitted_at=now,
        notice_deadline=notice_deadline,
        max_visits=bundle.max_visits if bundle is not None else item.max_visits,
        limit_days=max(i.promised_limit_days for i in items),
        **who,
    )
    if channel == A.Channel.WINDOW:
        _count_visit(app, now)
    requirements = requirements_for(item=item, bundle=bundle)
    built = problems.collect(
        _collect_materials,
        app,
        requirements,
        materials,
        actor=actor,
        now=now,
        channel=channel,
        need_all=True,
    )
    problems.raise_any()
    app.save()
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "submit",
        "提交申请",
        to_status=S.SUBMITTED,
        note=A.Channel(channel).label,
        data={"channel": channel},
    )
    if bundle is not None:
        children = []
        for n, it in enumerate(items, start=1):
            own = {f["name"] for f in it.form_fields or []}
            children.append(
                A(
                    number=f"{app.number}-{n}",
                    kind=A.Kind.SUB,
                    item=it,
                    bundle=bundle,
                    parent=app,
                    street=street_unit,
                    department=it.department,
                    status=S.SUBMITTED,
                    channel=channel,
                    submitted_by=actor,
                    form={k: v for k, v in public.items() if k in own},
                    form_private=json.dumps(
                        {k: v for k, v in private.items() if k in own}, ensure_ascii=False
                    ),
                    submitted_at=now,
                    notice_deadline=notice_deadline,
                    max_visits=it.max_visits,
                    limit_days=it.promised_limit_days,
                    **who,
                )
            )
        A.objects.bulk_create(children)
        for child in children:
            rec.add(
                child,
                "submit",
                "随一件事提交",
                to_status=S.SUBMITTED,
                note=f"一件事：{bundle.name}",
            )
    for material, inp in built:
        if inp.content is not None and material.source == ApplicationMaterial.Source.UPLOAD:
            _store(material, inp.content)
    ApplicationMaterial.objects.bulk_create([m for m, _ in built])
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.submit",
        target=app,
        after={
            "status": app.status,
            "item": item.code if item else None,
            "bundle": bundle.code if bundle else None,
            "channel": channel,
            "materials": [m.key for m, _ in built],
        },
    )
    return app


# ---------------------------------------------------------------------------------------------
# Acceptance (受理), 一次性告知, supplement, rejection
# ---------------------------------------------------------------------------------------------


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


def _missing_required(app: Application) -> list[Requirement]:
    have = _current_material_keys(app.owner)
    return [r for r in requirements_of(app) if r.required and r.key not in have]


def _current_flow(item: ServiceItem) -> StepFlow | None:
    """The item's current flow version with its steps (read-only; cached, see cache.py)."""
    return cache.cached(
        ("flow", item.pk),
        lambda: (
            StepFlow.objects.filter(item_id=item.pk, is_current=True)
            .prefetch_related("steps")
            .first()
        ),
    )


def _start_item(app: Application, now, rec: _Recorder, steps_out: list) -> str:
    """Accept one item application: 即办件 decided on the spot, 承诺件 get their steps from the
    pinned flow. Returns the target status."""
    item = app.item
    app.accepted_at = now
    if item.affair_type == AffairType.IMMEDIATE:
        app.deadline, app.deadline_provisional = now, False
        app.decided_at = now
        app.decided_on_spot = True
        app.limit_days = 0
        return S.APPROVED
    flow = _current_flow(item)
    app.flow = flow
    app.limit_days = item.promised_limit_days
    app.deadline, app.deadline_provisional = add_workdays(now, item.promised_limit_days)
    active = None
    definitions = list(flow.steps.all()) if flow is not None else []
    form = app.full_form
    if app.kind == A.Kind.SUB:
        form = {**app.parent.full_form, **form}
    for d in definitions:
        applies = conditions.evaluate(d.condition, form)
        step = ApplicationStep(
            application=app,
            definition=d,
            order=d.order,
            name=d.name,
            department_id=d.department_id,
            role=d.role,
            limit_days=d.limit_days,
            state=ApplicationStep.State.PENDING if applies else ApplicationStep.State.SKIPPED,
        )
        if applies and active is None:
            active = step
            step.state = ApplicationStep.State.ACTIVE
            step.started_at = now
            step.deadline, _ = add_workdays(now, d.limit_days)
        steps_out.append(step)
    if active is None:
        raise ValidationFailed(
            f"“{item.name}”没有适用的审批环节，请管理员检查流程配置。",
            code=E.INVALID_CATALOGUE,
            fields={"flow": ["无适用环节"]},
        )
    return S.ACCEPTED


APP_TIMING_FIELDS = [
    "status",
    "accepted_at",
    "accepted_by",
    "deadline",
    "deadline_provisional",
    "decided_at",
    "decided_on_spot",
    "limit_days",
    "flow",
    "visits",
    "last_visit_on",
    "decision_note",
]


@transaction.atomic
def application_accept(
    *, actor, application: Application, version, note: str = "", visit: bool = False
) -> Application:
    """受理. Every required material must be in (otherwise use 一次性告知). 即办件 are decided
    at acceptance; the deadline of a 承诺件 counts its promised working days from now."""
    app = _locked(application, load=("form_private",))  # step conditions read the form
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if app.status != S.SUBMITTED:
        _transition(app.accept, target=S.ACCEPTED)
    missing = _missing_required(app)
    if missing:
        raise ValidationFailed(
            f"缺少必要材料：{'、'.join(r.name for r in missing)}。请一次性告知申请人补正。",
            code=E.MISSING_MATERIALS,
            fields={r.key: [f"缺少“{r.name}”"] for r in missing},
        )
    now = _now()
    rec = _Recorder(actor, now)
    steps: list[ApplicationStep] = []
    app.accepted_by = actor
    app.decision_note = note
    if visit:
        _count_visit(app, now)
    children: list[Application] = []
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.defer(*_CONTACT).order_by("id"))
        for child in children:
            _attach_catalogue(child)
            child.parent = app
            child.accepted_by = actor
            before = child.status
            target = _start_item(child, now, rec, steps)
            _transition(child.accept, target=target)
            rec.add(
                child,
                "accept",
                "受理" if target == S.ACCEPTED else "受理并当场办结",
                from_status=before,
                to_status=target,
            )
            _save_child(child, S.SUBMITTED, APP_TIMING_FIELDS)
        app.accepted_at = now
        deadlines = [c.deadline for c in children if c.deadline]
        app.deadline = max(deadlines) if deadlines else now
        app.deadline_provisional = any(c.deadline_provisional for c in children)
        undecided = [c for c in children if c.status not in (S.APPROVED, S.DENIED)]
        if undecided:
            target = S.REVIEWING
        else:
            target = S.APPROVED
            app.decided_at = now
            app.decided_on_spot = True
    else:
        target = _start_item(app, now, rec, steps)
    before = app.status
    _transition(app.accept, target=target)
    _save(app, APP_TIMING_FIELDS)
    ApplicationStep.objects.bulk_create(steps)
    on_spot = children if app.kind == A.Kind.BUNDLE else [app]
    for decided in on_spot:
        if decided.status == S.APPROVED:
            issuing.issue_result(app=decided, now=now, note="当场办结")
    paper = issuing.issue_paper(
        app=app, kind=Paper.Kind.ACCEPT, actor=actor, now=now, data=_accept_notice(app, children)
    )
    label = "受理并当场办结" if target == S.APPROVED else "受理"
    rec.add(
        app,
        "accept",
        label,
        from_status=before,
        to_status=target,
        note=note,
        data={
            "deadline": app.deadline.isoformat() if app.deadline else None,
            "paper": paper.number,
        },
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.accept",
        target=app,
        before={"status": before},
        after={"status": app.status, "deadline": app.deadline, "steps": len(steps)},
        note=note,
    )
    return app


def _accept_notice(app: Application, children: list[Application]) -> dict:
    """What the 受理通知书 states: the promised date and, for a 一件事, each item's."""

    def line(a: Application) -> dict:
        return {
            "item": a.item.name if a.item_id else a.title,
            "department": a.item.department.name if a.item_id else "",
            "limit_days": a.limit_days,
            "deadline": a.deadline.isoformat() if a.deadline else None,
            "on_spot": a.decided_on_spot,
        }

    names = sorted({m.name for m in app.materials.filter(is_current=True).order_by()})
    return {
        "accepted_at": app.accepted_at.isoformat(),
        "deadline": app.deadline.isoformat() if app.deadline else None,
        "provisional": app.deadline_provisional,
        "limit_days": app.limit_days,
        "on_spot": app.decided_on_spot,
        "items": [line(c) for c in children] if children else [line(app)],
        "materials": names,
    }


def _active_step(app: Application) -> ApplicationStep | None:
    return (
        ApplicationStep.objects.select_for_update(of=("self",))
        .filter(application=app, state=ApplicationStep.State.ACTIVE)
        .first()
    )


@transaction.atomic
def application_request_materials(
    *,
    actor,
    application: Application,
    version,
    gaps: list[dict],
    note: str = "",
    visit: bool = False,
) -> Application:
    """一次性告知: list every missing or wrong material at once (行政许可法 Art. 32). Before
    acceptance the window does it; during review the holder of the active step. The listed
    materials are set aside and the clock stops until the applicant supplements."""
    app = _locked(application)
    if app.status == S.SUBMITTED:
        _require_top(app)
        _require_clerk(actor, app)
    elif app.status in (S.ACCEPTED, S.REVIEWING):
        if app.kind == A.Kind.BUNDLE:
            raise Conflict("一件事受理后的补正请在相应子件上办理。", code=E.USE_PARENT)
        step = _active_step(app)
        if step is None or not holds_step(actor, step):
            raise Forbidden("您不是当前环节的办理人。", code=E.NOT_STEP_HOLDER)
    else:
        _transition(app.request_materials)
    check_version(app, version)
    requirements = requirements_of(app)
    listed, errors = [], {}
    for gap in gaps or []:
        key = str((gap or {}).get("key") or "")
        try:
            req = _requirement(requirements, key)
        except ValidationFailed:
            errors[key or "key"] = ["未知材料"]
            continue
        listed.append({"key": key, "name": req.name, "reason": (gap.get("reason") or "缺少")[:200]})
    if errors:
        raise ValidationFailed("一次性告知中有未知材料。", code=E.UNKNOWN_MATERIAL, fields=errors)
    if not listed:
        raise ValidationFailed(
            "请列出需要补正的全部材料。", code=E.NO_GAPS_LISTED, fields={"gaps": ["至少一项"]}
        )
    now = _now()
    before = app.status
    app.paused_from = before
    app.paused_at = now if before != S.SUBMITTED else None
    app.missing_materials = listed
    if visit:
        _count_visit(app, now)
    _transition(app.request_materials)
    _save(
        app, ["status", "paused_from", "paused_at", "missing_materials", "visits", "last_visit_on"]
    )
    ApplicationMaterial.objects.filter(
        application=app.owner, key__in=[g["key"] for g in listed], is_current=True
    ).update(is_current=False)
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.NOTICE,
        actor=actor,
        now=now,
        data={"gaps": listed, "note": note, "during_review": before != S.SUBMITTED},
    )
    rec = _Recorder(actor, now)
    text = "；".join(f"{g['name']}（{g['reason']}）" for g in listed)
    rec.add(
        app,
        "request_materials",
        "一次性告知补正材料",
        from_status=before,
        to_status=app.status,
        note=note or text,
        data={"gaps": listed},
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.request_materials",
        target=app,
        before={"status": before},
        after={"status": app.status, "gaps": listed},
        note=note,
    )
    notify(  # 一次性告知 → the applicant
        recipients=[app.owner.applicant],
        kind="notice",
        title=f"办件 {app.owner.number} 需补正材料（一次性告知）",
        body=text[:300],
        link=f"/approvals/applications/{app.owner.pk}/",
        sms_text=True,
        actor=actor,
    )
    return app


@transaction.atomic
def application_supplement(
    *, actor, application: Application, version, visit: bool = False
) -> Application:
    """补正完毕: every listed material is back; the application returns to where the notice
    stopped it and the deadline moves by the working days the pause took."""
    app = _locked(application)
    is_owner = actor.pk in (app.applicant_id, app.submitted_by_id)
    if not (is_owner or is_clerk_of(actor, app.street_id)):
        raise Forbidden("只有申请人或综窗人员可以提交补正。", code=E.NOT_APPLICANT)
    check_version(app, version)
    if app.status != S.NEEDS_MATERIALS:
        _transition(app.supplement, target=S.SUBMITTED)
    have = _current_material_keys(app.owner)
    still = [g for g in app.missing_materials if g["key"] not in have]
    if still:
        raise ValidationFailed(
            f"以下材料尚未补正：{'、'.join(g['name'] for g in still)}。",
            code=E.MISSING_MATERIALS,
            fields={g["key"]: [f"请补正“{g['name']}”"] for g in still},
        )
    now = _now()
    before = app.status
    paused = 0
    fields = [
        "status",
        "paused_at",
        "paused_from",
        "missing_materials",
        "paused_workdays",
        "deadline",
        "deadline_provisional",
        "visits",
        "last_visit_on",
    ]
    if app.paused_at is not None:
        paused = workdays_in(app.paused_at, now)
        if paused:
            app.paused_workdays += paused
            app.deadline, app.deadline_provisional = add_workdays(
                app.accepted_at, app.limit_days + app.paused_workdays
            )
            step = _active_step(app)
            if step is not None and step.deadline is not None:
                step.deadline, _ = add_workdays(step.deadline, paused)
                step.save(update_fields=["deadline"])
    target = app.paused_from or S.SUBMITTED
    app.paused_at, app.paused_from = None, ""
    gaps, app.missing_materials = app.missing_materials, []
    if visit:
        _count_visit(app, now)
    _transition(app.supplement, target=target)
    _save(app, fields)
    if app.parent_id and paused:
        parent = A.objects.select_for_update(of=("self",)).get(pk=app.parent_id)
        if parent.deadline is None or (app.deadline and app.deadline > parent.deadline):
            A.objects.filter(pk=parent.pk).update(deadline=app.deadline, version=F("version") + 1)
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "supplement",
        "补正材料",
        from_status=before,
        to_status=target,
        note=f"计时暂停 {paused} 个工作日" if paused else "",
        data={"gaps": gaps},
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.supplement",
        target=app,
        before={"status": before},
        after={"status": target, "paused_workdays": app.paused_workdays},
    )
    return app


def _reason_required(reason: str, legal_basis: str) -> None:
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["请填写理由"]
    if not (legal_basis or "").strip():
        errors["legal_basis"] = ["请填写法律依据"]
    if errors:
        raise ValidationFailed("须写明理由和法律依据。", code=E.REASON_REQUIRED, fields=errors)


@transaction.atomic
def application_deadlines_recompute(*, actor=None, years=()) -> int:
    """重算预估时限: once a year's official holidays are entered, the promised deadline (承诺时限)
    of every accepted application counted on the provisional calendar is counted again; a
    一件事 parent follows its children. A paused application (待补正) is counted again when it
    resumes. Returns how many changed."""
    now = _now()
    rec = _Recorder(actor or "系统", now)
    open_items = (
        A.objects.select_for_update(of=("self",))
        .filter(deadline_provisional=True, status__in=(S.ACCEPTED, S.REVIEWING))
        .exclude(accepted_at=None)
    )
    changed = []
    # parents by subquery: PostgreSQL refuses FOR UPDATE with the DISTINCT a join would need
    parents = A.objects.filter(parent__isnull=False).values("parent_id")
    for app in open_items.exclude(pk__in=parents):
        old = app.deadline
        app.deadline, app.deadline_provisional = add_workdays(
            app.accepted_at, app.limit_days + app.paused_workdays
        )
        _save(app, ["deadline", "deadline_provisional"])
        changed.append((app, old))
    for parent in open_items.filter(pk__in=parents):
        children = list(parent.children.all())
        old = parent.deadline
        deadlines = [c.deadline for c in children if c.deadline]
        parent.deadline = max(deadlines) if deadlines else parent.deadline
        parent.deadline_provisional = any(c.deadline_provisional for c in children)
        _save(parent, ["deadline", "deadline_provisional"])
        changed.append((parent, old))
    note = f"{'、'.join(str(y) for y in years)}年放假安排已录入，承诺时限按正式安排重算"
    for app, old in changed:
        data = {"old_deadline": old.isoformat() if old else None}
        data["new_deadline"] = app.deadline.isoformat() if app.deadline else None
        rec.add(app, "deadline_recompute", "时限重算", note=note, data=data)
        audit_record(
            actor=actor,
            action="approvals.application.deadline_recompute",
            target=app,
            before={"deadline": old},
            after={"deadline": app.deadline, "provisional": app.deadline_provisional},
            note=note,
        )
    rec.flush()
    return len(changed)


@transaction.atomic
def application_reject(
    *, actor, application: Application, version, reason: str, legal_basis: str
) -> Application:
    """不予受理, with the reason and the legal basis (行政许可法 Art. 32)."""
    app = _locked(application)
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if app.status not in (S.SUBMITTED, S.NEEDS_MATERIALS):
        _transition(app.reject)
    _reason_required(reason, legal_basis)
    now = _now()
    before = app.status
    app.reason, app.legal_basis = reason.strip(), legal_basis.strip()
    _transition(app.reject)
    _save(app, ["status", "reason", "legal_basis"])
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.REJECT,
        actor=actor,
        now=now,
        data={"reason": app.reason, "legal_basis": app.legal_basis},
    )
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "reject",
        "不予受理",
        from_status=before,
        to_status=S.REJECTED,
        note=f"{app.reason}（依据：{app.legal_basis}）",
    )
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.only(*_STATE))
        for child in children:
            rec.add(
                child, "reject", "随一件事不予受理", from_status=child.status, to_status=S.REJECTED
            )
            _transition(child.reject)
        A.objects.filter(pk__in=[c.pk for c in children], status=S.SUBMITTED).update(
            status=S.REJECTED,
            reason=app.reason,
            legal_basis=app.legal_basis,
            version=F("version") + 1,
        )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.reject",
        target=app,
        before={"status": before},
        after={"status": app.status, "reason": app.reason, "legal_basis": app.legal_basis},
    )
    return app


# ---------------------------------------------------------------------------------------------
# Review steps, decisions, bundle conclusion
# ---------------------------------------------------------------------------------------------


def _step_holder_guard(actor, app: Application, *, with_pending: bool = False):
    """The active step, which `actor` must hold (403 otherwise); with the pending steps after it
    when asked (one query for both)."""
    if app.kind == A.Kind.BUNDLE:
        raise Conflict("一件事的审查在各子件上办理。", code=E.USE_PARENT)
    rows = list(
        ApplicationStep.objects.select_for_update(of=("self",))
        .filter(
            application=app,
            state__in=[ApplicationStep.State.ACTIVE, ApplicationStep.State.PENDING],
        )
        .only("id", "order", "name", "state", "department", "role", "limit_days")
        .order_by("order")
    )
    step = next((s for s in rows if s.state == ApplicationStep.State.ACTIVE), None)
    if step is None:
        _transition(app.deny)  # raises the state conflict
        raise Conflict("没有正在办理的环节。", code=E.WRONG_STATE)
    if not holds_step(actor, step):
        raise Forbidden(
            f"“{step.name}”环节由{step.department.name}办理，您不是该环节的办理人。",
            code=E.NOT_STEP_HOLDER,
        )
    if with_pending:
        return step, [s for s in rows if s.state == ApplicationStep.State.PENDING]
    return step


def _conclude_parent(child: Application, rec: _Recorder, now) -> None:
    """When the last child of a bundle is decided, the parent concludes. The parent row is
    locked before the siblings are read, so two siblings finishing at once serialise here and
    the later one sees the other's decision (READ COMMITTED reads after the lock)."""
    parent = (
        A.objects.select_for_update(of=("self",))
        .only("id", "version", "status")  # all the conclusion reads and writes
        .get(pk=child.parent_id)
    )
    siblings = A.objects.filter(parent_id=parent.pk).order_by()
    statuses = list(siblings.values_list("status", flat=True))
    if any(s not in (S.APPROVED, S.DENIED) for s in statuses) or parent.status != S.REVIEWING:
        return
    approved = any(s == S.APPROVED for s in statuses)
    before = parent.status
    parent.decided_at = now
    _transition(parent.conclude, approved=approved)
    parent.bump_version(fields=["status", "decided_at"])
    denied = sum(s == S.DENIED for s in statuses)
    note = f"{len(statuses) - denied} 项准予办理" + (f"，{denied} 项不予办理" if denied else "")
    rec.add(
        parent, "conclude", "一件事办结", from_status=before, to_status=parent.status, note=note
    )


@transaction.atomic
def application_approve_step(
    *, actor, application: Application, version, opinion: str = ""
) -> Application:
    """The holder of the active step approves it; the next applicable step starts, or, after the
    last, the application is approved."""
    app = _locked(application, only=(*_CORE, "applicant_name", "company_name"))
    step, pending = _step_holder_guard(actor, app, with_pending=True)
    check_version(app, version)
    if app.status not in (S.ACCEPTED, S.REVIEWING):
        _transition(app.approve_step, last=False)
    now = _now()
    step.state = ApplicationStep.State.APPROVED
    step.acted_by, step.acted_at, step.opinion = actor, now, opinion
    nxt = pending[0] if pending else None
    if nxt is not None:
        nxt.state = ApplicationStep.State.ACTIVE
        nxt.started_at = now
        nxt.deadline, _ = add_workdays(now, nxt.limit_days)
    # plain UPDATEs: cheaper in Python than one bulk_update CASE expression
    ApplicationStep.objects.filter(pk=step.pk).update(
        state=step.state, acted_by=actor, acted_at=now, opinion=opinion
    )
    if nxt is not None:
        ApplicationStep.objects.filter(pk=nxt.pk).update(
            state=nxt.state, started_at=now, deadline=nxt.deadline
        )
    before = app.status
    _transition(app.approve_step, last=nxt is None)
    fields = ["status"]
    if nxt is None:
        app.decided_at = now
        app.decision_note = opinion
        fields += ["decided_at", "decision_note"]
    _save(app, fields)
    if nxt is None:
        issuing.issue_result(app=app, now=now, note=opinion)
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "approve_step",
        f"{step.name}：通过",
        from_status=before,
        to_status=app.status,
        note=opinion,
        data={"step": step.order},
    )
    if nxt is None and app.parent_id:
        _conclude_parent(app, rec, now)
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.step.approve",
        target=app,
        before={"status": before, "step": step.order},
        after={"status": app.status, "next_step": nxt.order if nxt else None},
        note=opinion,
    )
    return app


@transaction.atomic
def application_deny(
    *, actor, application: Application, version, reason: str, legal_basis: str
) -> Application:
    """不予办理 by the holder of the active step, with reason and legal basis."""
    app = _locked(application, only=_CORE)
    step = _step_holder_guard(actor, app)
    check_version(app, version)
    _reason_required(reason, legal_basis)
    now = _now()
    step.state = ApplicationStep.State.DENIED
    step.acted_by, step.acted_at, step.opinion = actor, now, reason
    step.save(update_fields=["state", "acted_by", "acted_at", "opinion"])
    ApplicationStep.objects.filter(application=app, state=ApplicationStep.State.PENDING).update(
        state=ApplicationStep.State.CANCELLED
    )
    before = app.status
    app.decided_at = now
    app.reason, app.legal_basis = reason.strip(), legal_basis.strip()
    _transition(app.deny)
    _save(app, ["status", "decided_at", "reason", "legal_basis"])
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "deny",
        f"{step.name}：不予办理",
        from_status=before,
        to_status=S.DENIED,
        note=f"{app.reason}（依据：{app.legal_basis}）",
    )
    if app.parent_id:
        _conclude_parent(app, rec, now)
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.deny",
        target=app,
        before={"status": before},
        after={"status": app.status, "reason": app.reason, "legal_basis": app.legal_basis},
    )
    return app


# ---------------------------------------------------------------------------------------------
# Delivery (出件)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_deliver(
    *,
    actor,
    application: Application,
    version,
    method: str,
    note: str = "",
    visit: bool | None = None,
) -> Application:
    """出件: the result handed over by window pickup, post or electronic licence. A window
    pickup counts a visit unless `visit=False`; for a bundle all results go out at once."""
    app = _locked(
        application,
        only=(*_CORE, "visits", "last_visit_on", "applicant_name", "company_name"),
    )
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if method not in A.Delivery.values:
        raise ValidationFailed("送达方式无效。", fields={"method": [f"可选：{A.Delivery.values}"]})
    if app.status not in (S.APPROVED, S.DENIED):
        _transition(app.deliver)
    now = _now()
    before = app.status
    app.delivered_at, app.delivery_method, app.delivery_note = now, method, note[:200]
    app.delivered_by = actor
    if visit if visit is not None else method == A.Delivery.WINDOW:
        _count_visit(app, now)
    _transition(app.deliver)
    _save(
        app,
        [
            "status",
            "delivered_at",
            "delivery_method",
            "delivery_note",
            "delivered_by",
            "visits",
            "last_visit_on",
        ],
    )
    rec = _Recorder(actor, now)
    label = A.Delivery(method).label
    rec.add(
        app, "deliver", f"出件（{label}）", from_status=before, to_status=S.DELIVERED, note=note
    )
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.filter(status__in=[S.APPROVED, S.DENIED]).only(*_STATE))
        for child in children:
            rec.add(
                child,
                "deliver",
                f"随一件事出件（{label}）",
                from_status=child.status,
                to_status=S.DELIVERED,
            )
            _transition(child.deliver)
        A.objects.filter(pk__in=[c.pk for c in children], status__in=[S.APPROVED, S.DENIED]).update(
            status=S.DELIVERED,
            delivered_at=now,
            delivery_method=method,
            version=F("version") + 1,
        )
    results = ResultDocument.objects.filter(Q(application=app) | Q(application__parent=app))
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.RECEIPT,
        actor=actor,
        now=now,
        data={
            "method": label,
            "note": note,
            "delivered_at": now.isoformat(),
            "results": [
                {"name": r.name, "number": r.number, "item": r.data.get("item", "")}
                for r in results.order_by("application_id", "id")
            ],
        },
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.deliver",
        target=app,
        before={"status": before},
        after={"status": app.status, "method": method, "visits": app.visits},
    )
    return app


# ---------------------------------------------------------------------------------------------
# Material upload (补充/补正材料)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def material_add(
    *, actor, application: Application, material: MaterialInput
) -> ApplicationMaterial:
    """Hand in one material (upload, 免提交 reuse, or paper at the window) while the application
    is submitted or waiting for materials. It replaces the earlier one of the same key."""
    app = _locked(application)
    is_owner = actor.pk in (app.applicant_id, app.submitted_by_id)
    if not (is_owner or is_clerk_of(actor, app.street_id)):
        raise Forbidden("只有申请人或综窗人员可以提交材料。", code=E.NOT_APPLICANT)
    allowed = {S.SUBMITTED, S.NEEDS_MATERIALS}
    if app.status not in allowed:
        label = dict(S.choices)[app.status]
        raise Conflict(
            f"办件当前状态为“{label}”，不能再提交材料。",
            code=E.WRONG_STATE,
            fields={"status": [app.status]},
        )
    owner = app.owner
    now = _now()
    req = _requirement(requirements_of(app), material.key)
    obj = _build_material(owner, req, material, actor=actor, now=now, channel=owner.channel)
    if material.content is not None and obj.source == ApplicationMaterial.Source.UPLOAD:
        _store(obj, material.content)
    ApplicationMaterial.objects.filter(application=owner, key=req.key, is_current=True).update(
        is_current=False
    )
    obj.save()
    A.objects.filter(pk=app.pk).update(version=F("version") + 1)
    app.version += 1
    rec = _Recorder(actor, now)
    rec.add(app, "material", f"提交材料：{req.name}", data={"key": req.key, "source": obj.source})
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.material.add",
        target=app,
        after={"key": req.key, "source": obj.source, "size": obj.size, "sha256": obj.sha256},
    )
    return obj


# ---------------------------------------------------------------------------------------------
# Uploads held for a corrected form (暂存材料)
# ---------------------------------------------------------------------------------------------

HELD_FOR = dt.timedelta(days=1)


@transaction.atomic
def held_upload_add(*, actor, requirement: Requirement, filename: str, content: bytes):
    """Keep a file that passed its checks on a form refused for another field, for its
    uploader only, so the corrected form needs no second upload. Holds older than a day are
    swept here (their files too)."""
    ext = check_file(requirement, filename or "", content)
    now = _now()
    _sweep_held(now - HELD_FOR)
    held = HeldUpload(
        owner=actor,
        key=requirement.key,
        original_name=(filename or "")[:200],
        content_type=ext,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=now,
    )
    name = f"approvals/held/{secrets.token_hex(12)}.{ext}"
    held.file.name = default_storage.save(name, ContentFile(content))
    held.save()
    audit_record(
        actor=actor,
        action="approvals.upload.hold",
        target=held,
        after={"key": held.key, "size": held.size, "sha256": held.sha256},
    )
    return held


@transaction.atomic
def held_uploads_discard(*, actor, uploads) -> int:
    """Drop held uploads of `actor` once the form that used them went in."""
    rows = [u for u in uploads if u.owner_id == actor.pk]
    for u in rows:
        transaction.on_commit(lambda name=u.file.name: default_storage.delete(name))
    HeldUpload.objects.filter(pk__in=[u.pk for u in rows]).delete()
    return len(rows)


def _sweep_held(before: dt.datetime) -> None:
    old = list(HeldUpload.objects.filter(created_at__lt=before).values_list("pk", "file"))
    if not old:
        return
    HeldUpload.objects.filter(pk__in=[pk for pk, _f in old]).delete()
    for _pk, name in old:
        transaction.on_commit(lambda name=name: default_storage.delete(name))


# ---------------------------------------------------------------------------------------------
# 好差评 and 差评整改
# ---------------------------------------------------------------------------------------------


def _window_unit(street_id: int, clerk_id: int | None) -> int:
    """The unit of the window (综窗) of a street: where the clerk who acted holds the window
    role (为民服务中心, or the street itself), else any window unit of the street."""
    from yiwang.accounts.models import Membership

    rows = Membership.objects.filter(role=Role.WINDOW_CLERK).filter(
        Q(org_unit_id=street_id) | Q(org_unit__parent_id=street_id)
    )
    for candidates in (rows.filter(user_id=clerk_id) if clerk_id else rows.none(), rows):
        units = set(candidates.values_list("org_unit_id", flat=True))
        if units:
            return min(units - {street_id}, default=street_id)
    return street_id


def _rated_step(app: Application, step, *, bad: bool) -> tuple[str, ApplicationStep | None, int]:
    """(stage, review step, owning unit) of what a rating judges: the window for acceptance
    and hand-over, the step's department for a review step (一次一评). A 差评 of a 一件事 must
    name the step; one of a single item without a named step goes to the department that
    decided it (its last acted review step), a refusal to accept to the window."""
    value = str(step or "").strip()
    if value == RatedStage.ACCEPT:
        return RatedStage.ACCEPT, None, _window_unit(app.street_id, app.accepted_by_id)
    if value == RatedStage.DELIVER:
        return RatedStage.DELIVER, None, _window_unit(app.street_id, app.delivered_by_id)
    acted = ApplicationStep.objects.filter(
        Q(application_id=app.pk) | Q(application__parent_id=app.pk),
        state__in=[ApplicationStep.State.APPROVED, ApplicationStep.State.DENIED],
    ).order_by("-acted_at", "-id")
    if value:
        chosen = acted.filter(pk=int(value)).first() if value.isdigit() else None
        if chosen is None:
            raise ValidationFailed(
                "请从列出的环节中选择要评价的环节。", fields={"step": ["不是本办件已办理的环节"]}
            )
        return RatedStage.REVIEW, chosen, chosen.department_id
    if app.status == S.REJECTED:
        return RatedStage.ACCEPT, None, _window_unit(app.street_id, app.accepted_by_id)
    if bad and app.kind == A.Kind.BUNDLE:
        raise ValidationFailed(
            "请选择不满意的环节（窗口受理、各部门审查或出件），以便转给负责的部门整改。",
            fields={"step": ["请选择不满意的环节"]},
        )
    last = acted.first()
    if last is not None:
        return RatedStage.REVIEW, last, last.department_id
    return "", None, app.department_id


@transaction.atomic
def application_rate(
    *, actor, application: Application, version, level, comment: str = "", step=None
) -> Rating:
    """一事一评: the applicant rates once after delivery (or a refusal to accept), naming the
    step judged when they wish (`step`: "accept", "deliver" or a review step's id). A 差评 (the
    two lowest levels) opens a rectification for the unit that owns that step (the window for
    acceptance and hand-over, the reviewing department for a review step) with a deadline of
    `CenterPolicy.rectify_workdays` working days (default 5)."""
    app = _locked(
        application,
        only=(*_CORE, "applicant", "department", "accepted_by", "delivered_by"),
    )
    _require_top(app)
    is_applicant = app.applicant_id is not None and actor.pk == app.applicant_id
    on_behalf = app.applicant_id is None and is_clerk_of(actor, app.street_id)
    if not (is_applicant or on_behalf):
        raise Forbidden("只有申请人本人可以评价。", code=E.NOT_APPLICANT)
    check_version(app, version)
    if Rating.objects.filter(application=app).exists():
        raise Conflict("该办件已经评价过，每件只能评价一次。", code=E.ALREADY_RATED)
    if app.status not in (S.DELIVERED, S.REJECTED):
        raise Conflict("办件出件后才能评价。", code=E.WRONG_STATE, fields={"status": [app.status]})
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in RatingLevel.values:
        raise ValidationFailed(
            "评价等级须为 1～5（非常不满意～非常满意）。", fields={"level": ["1～5"]}
        )
    comment = (comment or "").strip()
    problems = _Problems()
    if level <= RatingLevel.DISSATISFIED and not comment:
        problems.collect(
            _refuse, "差评请写明不满意的原因，以便整改。", "comment", "请写明不满意的原因"
        )
    rated = problems.collect(_rated_step, app, step, bad=level <= RatingLevel.DISSATISFIED)
    problems.raise_any()
    stage, rated_step, owner_unit = rated
    now = _now()
    try:
        rating = Rating.objects.create(
            application=app,
            level=level,
            comment=comment[:2000],
            rated_by=actor,
            channel="online" if is_applicant else "window",
            stage=stage,
            step=rated_step,
            created_at=now,
        )
    except IntegrityError:  # a concurrent rating won: the transaction rolls back
        raise Conflict("该办件已经评价过，每件只能评价一次。", code=E.ALREADY_RATED)
    _save(app, [])
    rec = _Recorder(actor, now)
    rec.add(app, "rate", f"评价：{RatingLevel(level).label}", note=comment, data={"level": level})
    rectification = None
    if rating.is_bad:
        days = policy_for(app.street).rectify_workdays
        deadline, _ = add_workdays(now, days)
        rectification = Rectification.objects.create(
            rating=rating,
            application=app,
            department_id=owner_unit,
            opened_at=now,
            deadline=deadline,
        )
        judged = rated_step.name if rated_step else RatedStage(stage).label if stage else ""
        rec.add(
            app,
            "rectify_open",
            "差评转整改",
            note=f"{_unit(owner_unit).name}，{days} 个工作日内整改"
            + (f"（所评环节：{judged}）" if judged else ""),
        )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.rate",
        target=app,
        after={"level": level, "rectification": rectification.pk if rectification else None},
        note=comment,
    )
    return rating


def _refuse(message: str, field: str, problem: str) -> None:
    raise ValidationFailed(message, fields={field: [problem]})


def _require_rectifier(actor, rect: Rectification) -> None:
    if actor.is_superuser:
        return
    units = {u for u, _k, _p, _r in _memberships(actor)}
    leader_streets = streets_of(actor, Role.LEADER)
    if rect.department_id in units or rect.application.street_id in leader_streets:
        return
    raise Forbidden("只有整改部门或街道领导可以办理整改。")


@transaction.atomic
def rectification_follow_up(
    *, actor, rectification: Rectification, kind: str, note: str
) -> RectificationFollowUp:
    """Record a 回访 or the progress of a rectification."""
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=rectification.pk)
    )
    _require_rectifier(actor, rect)
    if kind not in (RectificationFollowUp.Kind.CALLBACK, RectificationFollowUp.Kind.PROGRESS):
        raise ValidationFailed("跟进类型无效。", fields={"kind": ["callback 或 progress"]})
    if not (note or "").strip():
        raise ValidationFailed("请填写跟进内容。", fields={"note": ["必填"]})
    if rect.state != Rectification.State.OPEN:
        raise Conflict("整改已办结。", code=E.WRONG_STATE)
    now = _now()
    follow = RectificationFollowUp.objects.create(
        rectification=rect, kind=kind, note=note.strip(), actor=actor, at=now
    )
    audit_record(actor=actor, action=f"approvals.rectification.{kind}", target=rect, note=note)
    return follow


@transaction.atomic
def rectification_close(
    *, actor, rectification: Rectification, version, outcome: str, result: str
) -> Rectification:
    """整改办结: fixed, explained (no legal basis to change), or appealed (误评/恶意差评)."""
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=rectification.pk)
    )
    _require_rectifier(actor, rect)
    check_version(rect, version)
    if outcome not in Rectification.Outcome.values:
        raise ValidationFailed("整改结果无效。", fields={"outcome": Rectification.Outcome.values})
    if not (result or "").strip():
        raise ValidationFailed("请填写整改情况。", fields={"result": ["必填"]})
    try:
        rect.close()
    except TransitionNotAllowed:
        raise Conflict("整改已办结。", code=E.WRONG_STATE)
    now = _now()
    rect.closed_at, rect.outcome, rect.result = now, outcome, result.strip()
    rect.bump_version(fields=["state", "closed_at", "outcome", "result"])
    RectificationFollowUp.objects.create(
        rectification=rect,
        kind=RectificationFollowUp.Kind.CLOSE,
        note=rect.result,
        actor=actor,
        at=now,
    )
    rec = _Recorder(actor, now)
    rec.add(
        rect.application,
        "rectify_close",
        f"差评整改办结（{rect.get_outcome_display()}）",
        note=rect.result,
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.rectification.close",
        target=rect,
        after={"outcome": outcome, "on_time": rect.on_time},
        note=result,
    )
    return rect


@transaction.atomic
def policy_set(*, actor, street: OrgUnit, rectify_workdays: int, notice_workdays: int = 5):
    """Set a street's local rules (差评整改时限, 一次性告知时限)."""
    if not (1 <= int(rectify_workdays) <= 60) or not (1 <= int(notice_workdays) <= 20):
        raise ValidationFailed("时限超出合理范围。", fields={"rectify_workdays": ["1～60"]})
    policy, _ = CenterPolicy.objects.update_or_create(
        street=street,
        defaults={"rectify_workdays": rectify_workdays, "notice_workdays": notice_workdays},
    )
    audit_record(
        actor=actor,
        action="approvals.policy.set",
        target=policy,
        after={"rectify_workdays": rectify_workdays, "notice_workdays": notice_workdays},
    )
    return policy
