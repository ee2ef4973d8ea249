"""Submission (申请): online by the applicant, at the window on someone's behalf (窗口代办), or at
home by a party-mass specialist (上门办); a 一件事 fans out into one child per item."""

from __future__ import annotations

import json

from django.db import transaction

from yiwang.accounts.models import OrgUnit, Role
from yiwang.approvals import cache
from yiwang.approvals.catalogue import (
    bundle_items,
    clean_form,
    fields_for,
    requirements_for,
    split_private,
)
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationMaterial,
    Bundle,
    ServiceItem,
)
from yiwang.approvals.permissions import is_clerk_of, streets_of
from yiwang.approvals.services.common import (
    A,
    S,
    _count_visit,
    _new_number,
    _now,
    _one_of,
    _Problems,
    _Recorder,
    _unit,
    add_workdays,
    policy_for,
)
from yiwang.approvals.services.materials import MaterialInput, _collect_materials, _store
from yiwang.core.audit import audit_record
from yiwang.core.errors import Forbidden, ValidationFailed


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


_NO_APPLICANT = {
    "applicant": None,
    "applicant_name": "",
    "applicant_phone": "",
    "applicant_id_number": "",
    "company_name": "",
}


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
        raise ValidationFailed("申请渠道无效。", fields={"channel": [_one_of(A.Channel.choices)]})
    street_unit = _resolve_street(actor, street, channel)
    return _submit(
        actor=actor,
        item=item,
        bundle=bundle,
        form=form,
        materials=materials,
        channel=channel,
        street_unit=street_unit,
        applicant=applicant,
    )


def _submit(
    *,
    actor,
    item: ServiceItem | None,
    bundle: Bundle | None,
    form: dict | None,
    materials: list[MaterialInput] | None,
    channel: str,
    street_unit: OrgUnit,
    applicant: dict | None,
    need_all: bool = True,
    source_note: str = "",
) -> Application:
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
        need_all=need_all,
    )
    problems.raise_any()
    app.save()
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "submit",
        "提交申请",
        to_status=S.SUBMITTED,
        note="，".join(filter(None, [A.Channel(channel).label, source_note])),
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
            "source": source_note,
        },
    )
    return app


# ---------------------------------------------------------------------------------------------
# On someone's behalf from the 人口库 (上门办 from a household visit, 窗口代办)
# ---------------------------------------------------------------------------------------------

# The form fields that carry the applicant's identity: on a walk-in (窗口代办, 上门办) they are
# taken once from the applicant (looked up in the 人口库 when known) and filled into the form.
IDENTITY_FIELDS = {
    "applicant_name": "name",
    "id_number": "id_number",
    "phone": "phone",
    "address": "address",
}
ON_BEHALF_CHANNELS = (A.Channel.HOME, A.Channel.WINDOW)
ON_BEHALF_PURPOSE = "代为申报：从人口库带出申请人身份"


@transaction.atomic
def application_open_on_behalf(
    *,
    actor,
    service_code: str,
    applicant_person_id: int,
    channel: str = A.Channel.HOME,
    source_note: str = "",
    form: dict | None = None,
    materials: list[MaterialInput] | None = None,
    street: OrgUnit | str | None = None,
) -> Application:
    """代为申报 for a resident of the 人口库: the one entry for an application opened on
    someone's behalf, e.g. a household-visit need (入户走访) that becomes a 上门办 application.

    - `service_code`: the code of an active item (事项编码) or 一件事 (bundle code).
    - `applicant_person_id`: the basedata Person; the actor must see them (404 otherwise). Name,
      ID number, phone and address are taken from the registry (each unmasked read audited by
      basedata with its purpose) and fill the form's identity fields; the resident's own
      account, when exactly one active account has the person's phone, becomes the applicant,
      so the application is on their 我的办件 and they are told of 一次性告知 and 出件.
    - `channel`: "home" (上门办, a party-mass specialist or window clerk of the street) or
      "window" (窗口代办, a clerk of the street).
    - `source_note`: where it came from (e.g. "入户走访 #12：申请老年人优待证"), on the
      timeline and in the audit row.
    - `form`: the item's other fields; `materials`: what was handed in (paper copies seen at
      the door count). Materials still missing do not block: the application waits at the
      window, which lists them in one 一次性告知 within the notice limit (行政许可法 Art. 32).

    Returns the submitted Application; ValidationFailed (400), Forbidden (403) or NotFound
    (404) change nothing."""
    if channel not in ON_BEHALF_CHANNELS:
        raise ValidationFailed(
            "代为申报的渠道只能是上门办或窗口代办。",
            fields={"channel": [_one_of(A.Channel.choices, ON_BEHALF_CHANNELS)]},
        )
    item, bundle = _service_by_code(service_code)
    street_unit = _resolve_street(actor, street, channel)  # the actor's right, before any PII
    person = _registry_person(actor, applicant_person_id)
    who = _identity_of(actor, person)
    fields = {f["name"] for f in fields_for(item=item, bundle=bundle)}
    # An empty registry value (no address on record) never blanks what the caller typed.
    filled = {
        name: who[key] for name, key in IDENTITY_FIELDS.items() if name in fields and who[key]
    }
    account = _account_with_phone(who["phone"])
    return _submit(
        actor=actor,
        item=item,
        bundle=bundle,
        form={**(form or {}), **filled},
        materials=materials,
        channel=channel,
        street_unit=street_unit,
        applicant={**who, "username": account.username if account else ""},
        need_all=False,
        source_note=str(source_note or "").strip()[:200],
    )


def _service_by_code(code) -> tuple[ServiceItem | None, Bundle | None]:
    code = str(code or "").strip()
    if code and ServiceItem.objects.filter(code=code, is_active=True).exists():
        return _resolve_target(code, None)
    if code and Bundle.objects.filter(code=code, is_active=True).exists():
        return _resolve_target(None, code)
    raise ValidationFailed(
        "找不到该事项或“一件事”。", code=E.UNKNOWN_ITEM, fields={"service_code": ["未知编码"]}
    )


def _registry_person(actor, person_id):
    from yiwang.basedata import selectors as registry

    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "申请人须是人口库中的人员。", fields={"applicant_person_id": ["无效"]}
        )
    return registry.person_get(user=actor, id=pk)


def _identity_of(actor, person) -> dict:
    """The applicant block from a registry row: the ID number and phone through basedata's
    audited reveal (the actor's purpose recorded with each)."""
    from yiwang.basedata import services as registry

    def reveal(field):
        value = getattr(person, field)
        if not value:
            return ""
        return registry.person_reveal(
            actor=actor, person=person, field=field, purpose=ON_BEHALF_PURPOSE
        )

    return {
        "name": person.name,
        "id_number": reveal("id_number"),
        "phone": reveal("phone"),
        "address": person.address,
        "company": "",
    }


def _account_with_phone(phone: str):
    if not phone:
        return None
    from yiwang.accounts.models import User

    found = list(User.objects.filter(phone=phone, is_active=True)[:2])
    return found[0] if len(found) == 1 else None
