"""Every write to base data (人口·户·房屋·法人): one function per use case, in a transaction,
with its audit row. Personal data never enters the audit log in plain text (masked values only).

- `person_create`, `person_update` (version check), `person_set_tags` (version check),
  `person_mark_colour` (红/黄/绿 thematic tag, its own audited service), `person_reveal` (an
  unmasked ID number or phone, PII roles only, purpose recorded);
- `household_create`, `household_update`; `house_create`, `house_update`;
  `entity_create`, `entity_update`.
Imports (`importing.py`) reuse the same checks row by row and write in bulk.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.basedata import access
from yiwang.basedata.cleaning import (
    FieldError,
    clean_colour,
    clean_entity_kind,
    clean_house_kind,
    clean_id_number,
    clean_name,
    clean_phone,
    clean_point,
    clean_relation,
    clean_tags,
    clean_text,
    clean_uscc,
)
from yiwang.basedata.geo import GridLocator
from yiwang.basedata.models import House, Household, LegalEntity, Person, PersonTag
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    StaleVersion,
    TooManyRequests,
    ValidationFailed,
    check_version,
)
from yiwang.core.pii import lookup_hash
from yiwang.core.validators import normalize_id_number, normalize_phone

PERSON_FIELDS = ["name", "gender", "birth_date", "address", "household", "relation", "grid"]
HOUSEHOLD_FIELDS = ["code", "address", "house", "grid", "head"]
HOUSE_FIELDS = ["address", "kind", "lon", "lat", "grid", "note"]
ENTITY_FIELDS = ["name", "uscc", "kind", "legal_rep", "address", "lon", "lat", "grid", "industry"]


# ---------------------------------------------------------------------------- helpers


def field_error(exc: FieldError) -> ValidationFailed:
    return ValidationFailed(exc.message, fields={exc.field: [exc.message]})


def tag_vocabulary() -> dict:
    return {t.name: t for t in PersonTag.objects.filter(is_active=True)}


def person_snapshot(person: Person, tags=None) -> dict:
    out = snapshot(person, PERSON_FIELDS + ["colour", "colour_reason"])
    out["id_number"] = person.id_number_masked
    out["phone"] = person.phone_masked
    if tags is None and person.pk:
        tags = person.tags.all()
    out["tags"] = sorted(t.name for t in tags or [])
    return out


def entity_snapshot(entity: LegalEntity) -> dict:
    out = snapshot(entity, ENTITY_FIELDS)
    out["phone"] = entity.phone_masked
    return out


class GridResolver:
    """Finds the grid of a row: by code, else by point; only grids the actor may write into."""

    def __init__(self, actor, *, people: bool):
        self.prefixes = access.writable_prefixes(actor, people=people)
        self._by_code: dict[str, object] = {}
        self._locator = None

    def _allowed(self, region) -> bool:
        return access.code_in(self.prefixes, region.code)

    def by_code(self, code: str, field: str = "grid"):
        from yiwang.grids.models import Region

        if code not in self._by_code:
            self._by_code[code] = Region.objects.filter(code=code, level=Region.Level.GRID).first()
        region = self._by_code[code]
        if region is None:
            raise FieldError(field, f"网格编码 {code} 不存在（须为网格级编码）。")
        if not self._allowed(region):
            raise FieldError(field, f"网格 {code} 不在您的管辖范围内。")
        return region

    def by_point(self, lon: float, lat: float, field: str = "lon"):
        if self._locator is None:
            self._locator = GridLocator()
        region = self._locator.locate(lon, lat)
        if region is None:
            raise FieldError(field, f"坐标（{lon}, {lat}）不在任何网格内，请填写网格编码。")
        if not self._allowed(region):
            raise FieldError(field, f"坐标所在网格 {region.code} 不在您的管辖范围内。")
        return region

    def resolve(self, code: str, lon, lat, *, code_field="grid", point_field="lon"):
        if code:
            return self.by_code(code, code_field)
        if lon is not None:
            return self.by_point(lon, lat, point_field)
        raise FieldError(code_field, "请填写网格编码，或填写经纬度以自动定位网格。")


def _require_editor(actor, roles=access.EDITOR_ROLES) -> None:
    if not access.may_edit(actor, roles):
        raise Forbidden("您的角色不能修改基础数据。")


def _require_visible(actor, obj) -> None:
    if access.is_system(actor):
        return
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotFound("未找到。")


def _require_writable(actor, obj, *, people: bool) -> None:
    _require_visible(actor, obj)
    if not access.code_in(access.writable_prefixes(actor, people=people), obj.grid.code):
        raise Forbidden("该记录不在您可修改的网格内。")


def _lock(obj, version):
    """Re-read the row under lock (PostgreSQL: SELECT … FOR UPDATE) and check the version."""
    fresh = type(obj).objects.select_for_update(of=("self",)).select_related("grid").get(pk=obj.pk)
    check_version(fresh, version)
    return fresh


def _household_for(actor, household, grid):
    """The household a person joins: visible to the actor and in the same grid."""
    if household is None:
        return None
    if not isinstance(household, Household):
        qs = (
            Household.objects.all()
            if access.is_system(actor)
            else Household.objects.visible_to(actor)
        )
        try:
            household = qs.get(pk=household)
        except (Household.DoesNotExist, ValueError, TypeError):
            raise ValidationFailed("户不存在。", fields={"household": ["户不存在"]})
    if household.grid_id != grid.pk:
        raise ValidationFailed(
            "人员所在网格与户所在网格不一致。", fields={"household": ["与人员网格不一致"]}
        )
    return household


@contextmanager
def _unique(field: str, message: str):
    """A lost race on a unique column (two clerks registering the same ID at once) is a 409,
    not a 500: the database's constraint has the last word."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(message, code="duplicate", fields={field: [message]})


# ---------------------------------------------------------------------------- people


@transaction.atomic
def person_create(
    *,
    actor,
    name: str,
    id_number: str,
    grid: str,
    phone: str = "",
    address: str = "",
    household=None,
    relation: str = "",
    tags=(),
) -> Person:
    """Register a person (人口登记). `grid` is a grid code; `household` an id or a Household."""
    _require_editor(actor)
    try:
        person = Person(
            name=clean_name(name),
            address=clean_text("address", address, label="住址", max_length=200),
            relation=clean_relation(relation),
        )
        person.set_id_number(clean_id_number(id_number))
        person.set_phone(clean_phone(phone))
        person.grid = GridResolver(actor, people=True).by_code(str(grid or "").strip(), "grid")
        tag_rows = clean_tags(list(tags or []), tag_vocabulary()) or []
    except FieldError as exc:
        raise field_error(exc)
    if Person.objects.filter(id_hash=person.id_hash).exists():
        raise Conflict(
            "该身份证号已登记。", code="duplicate", fields={"id_number": ["该身份证号已登记"]}
        )
    person.household = _household_for(actor, household, person.grid)
    with _unique("id_number", "该身份证号已登记。"):
        person.save()
    if tag_rows:
        person.tags.set(tag_rows)
    if person.household and person.relation == Person.Relation.HEAD:
        _set_head(actor, person.household, person)
    audit_record(
        actor=actor,
        action="basedata.person.create",
        target=person,
        after=person_snapshot(person, tag_rows),
    )
    return person


PERSON_UPDATABLE = {"name", "id_number", "phone", "address", "household", "relation", "grid"}


@transaction.atomic
def person_update(*, actor, person: Person, version, **changes) -> Person:
    """Change a person's fields (not tags or colour: their own services). Stale version → 409."""
    _require_editor(actor)
    unknown = set(changes) - PERSON_UPDATABLE
    if unknown:
        names = "、".join(sorted(unknown))
        raise ValidationFailed(
            f"不能修改的字段：{names}。", fields={n: ["不可修改"] for n in unknown}
        )
    _require_writable(actor, person, people=True)
    person = _lock(person, version)
    before = person_snapshot(person)
    fields = set()
    try:
        if "name" in changes:
            person.name = clean_name(changes["name"])
            fields.add("name")
        if "id_number" in changes:
            person.set_id_number(clean_id_number(changes["id_number"]))
            fields |= {"id_number", "id_hash", "gender", "birth_date"}
        if "phone" in changes:
            person.set_phone(clean_phone(changes["phone"]))
            fields |= {"phone", "phone_hash"}
        if "address" in changes:
            person.address = clean_text("address", changes["address"], label="住址", max_length=200)
            fields.add("address")
        if "relation" in changes:
            person.relation = clean_relation(changes["relation"])
            fields.add("relation")
        if "grid" in changes:
            person.grid = GridResolver(actor, people=True).by_code(
                str(changes["grid"] or "").strip(), "grid"
            )
            fields.add("grid")
    except FieldError as exc:
        raise field_error(exc)
    if "id_hash" in fields and (
        Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).exists()
    ):
        raise Conflict(
            "该身份证号已登记。", code="duplicate", fields={"id_number": ["该身份证号已登记"]}
        )
    if "household" in changes or "grid" in changes:
        target = changes.get("household", person.household)
        person.household = _household_for(actor, target, person.grid)
        fields.add("household")
    with _unique("id_number", "该身份证号已登记。"):
        person.bump_version(fields=sorted(fields))
    if person.household and person.relation == Person.Relation.HEAD:
        _set_head(actor, person.household, person)
    audit_record(
        actor=actor,
        action="basedata.person.update",
        target=person,
        before=before,
        after=person_snapshot(person),
    )
    return person


@transaction.atomic
def person_set_tags(*, actor, person: Person, version, tags) -> Person:
    """Replace a person's tags (人员标签) with names from the vocabulary."""
    _require_editor(actor)
    _require_writable(actor, person, people=True)
    person = _lock(person, version)
    try:
        rows = clean_tags(list(tags or []), tag_vocabulary()) or []
    except FieldError as exc:
        raise field_error(exc)
    before = sorted(t.name for t in person.tags.all())
    person.bump_version(fields=[])
    person.tags.set(rows)
    audit_record(
        actor=actor,
        action="basedata.person.tags",
        target=person,
        before={"tags": before},
        after={"tags": sorted(t.name for t in rows)},
    )
    return person


@transaction.atomic
def person_mark_colour(*, actor, person: Person, version, colour: str, reason: str = "") -> Person:
    """Mark a person red / yellow / green (or clear) for thematic work such as epidemic
    screening (疫情防控红黄绿标记). Red and yellow need a reason."""
    _require_editor(actor, access.COLOUR_ROLES)
    _require_visible(actor, person)
    if not access.code_in(
        access.writable_prefixes(actor, people=True, roles=access.COLOUR_ROLES), person.grid.code
    ):
        raise Forbidden("该人员不在您可标记的范围内。")
    person = _lock(person, version)
    try:
        value = clean_colour(colour)
        value = "" if value is None else value
        reason = clean_text("reason", reason, label="标记原因", max_length=200)
    except FieldError as exc:
        raise field_error(exc)
    if value in (Person.Colour.RED, Person.Colour.YELLOW) and not reason:
        raise ValidationFailed("标记红色或黄色须填写原因。", fields={"reason": ["必填"]})
    before = {"colour": person.colour, "colour_reason": person.colour_reason}
    person.colour = value
    person.colour_reason = reason
    person.colour_marked_at = timezone.now() if value else None
    person.colour_marked_by = actor if (value and not access.is_system(actor)) else None
    person.bump_version(fields=["colour", "colour_reason", "colour_marked_at", "colour_marked_by"])
    audit_record(
        actor=actor,
        action="basedata.person.colour",
        target=person,
        before=before,
        after={"colour": value, "colour_reason": reason},
        note=reason,
    )
    return person


REVEAL_FIELDS = {"id_number": "身份证号", "phone": "手机号", "birth_date": "出生日期"}


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str, purpose: str) -> str:
    """The unmasked ID number, phone or birth date of one person (查看明文), for a stated purpose.

    Only roles in PII_ROLES, only within their scope; every view is audited with its purpose."""
    if field not in REVEAL_FIELDS:
        raise ValidationFailed(
            "只能查看身份证号 (id_number)、手机号 (phone) 或出生日期 (birth_date)。",
            fields={"field": ["无效"]},
        )
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationFailed(
            "查看明文须填写用途（至少2个字）。",
            code="purpose_required",
            fields={"purpose": ["必填"]},
        )
    if len(purpose) > 200:
        raise ValidationFailed("用途过长（最多200字）。", fields={"purpose": ["过长"]})
    if not access.may_see_pii(actor):
        raise Forbidden("您的角色无权查看个人信息明文。")
    _require_visible(actor, person)
    value = getattr(person, field)
    if field == "birth_date":
        value = value.isoformat() if value else ""
    audit_record(
        actor=actor,
        action="basedata.person.reveal",
        target=person,
        after={"field": field},
        note=purpose,
    )
    return value


SEARCH_FIELDS = {"id_number": "身份证号", "phone": "手机号"}
SEARCH_ACTION = "basedata.person.search"
SEARCH_MAX_RESULTS = 20


@transaction.atomic
def person_search(*, actor, field: str, value: str, purpose: str) -> list[Person]:
    """Find people by an exact ID number or phone (精确查找), for a stated purpose.

    Only roles that may see personal data in plain text, only within their scope, each search
    audited (the value itself never enters the log) and limited per hour: an exact match on a
    masked value is otherwise an oracle that rebuilds the hidden digits one guess at a time."""
    if field not in SEARCH_FIELDS:
        raise ValidationFailed(
            "只能按身份证号 (id_number) 或手机号 (phone) 查找。", fields={"field": ["无效"]}
        )
    purpose = _purpose(purpose, "查找")
    if not access.may_see_pii(actor):
        raise Forbidden("您的角色无权按身份证号或手机号查找人员。")
    _check_search_quota(actor)
    value = str(value or "").strip()
    if field == "id_number":
        normalized = normalize_id_number(value)
        valid = len(normalized) == 18
        hash_filter = {"id_hash": lookup_hash(normalized)}
    else:
        normalized = normalize_phone(value)
        valid = normalized.isdigit() and 7 <= len(normalized) <= 20
        hash_filter = {"phone_hash": lookup_hash(normalized)}
    if not valid:
        raise ValidationFailed(
            f"{SEARCH_FIELDS[field]}格式不正确。", fields={"value": ["格式不正确"]}
        )
    base = Person.objects.all() if access.is_system(actor) else Person.objects.visible_to(actor)
    found = list(
        base.filter(**hash_filter)
        .select_related("grid", "household")
        .prefetch_related("tags")[:SEARCH_MAX_RESULTS]
    )
    audit_record(
        actor=actor,
        action=SEARCH_ACTION,
        target_type="basedata.person",
        target_id=",".join(str(p.pk) for p in found) or "-",
        after={"field": field, "found": len(found)},
        note=purpose,
    )
    return found


def _purpose(purpose: str, verb: str) -> str:
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationFailed(
            f"{verb}须填写用途（至少2个字）。",
            code="purpose_required",
            fields={"purpose": ["必填"]},
        )
    if len(purpose) > 200:
        raise ValidationFailed("用途过长（最多200字）。", fields={"purpose": ["过长"]})
    return purpose


def _check_search_quota(actor) -> None:
    """At most YIWANG_PII_SEARCHES_PER_HOUR exact searches per user and hour, counted in the
    audit log itself, so that the limit holds across processes and machines."""
    if access.is_system(actor):
        return
    from django.conf import settings

    from yiwang.core.models import AuditEvent

    limit = settings.YIWANG_PII_SEARCHES_PER_HOUR
    since = timezone.now() - dt.timedelta(hours=1)
    used = AuditEvent.objects.filter(actor=actor, action=SEARCH_ACTION, at__gte=since).count()
    if used >= limit:
        raise TooManyRequests(f"查找过于频繁（每小时最多 {limit} 次），请稍后再试。")


# ---------------------------------------------------------------------------- households


def _set_head(actor, household: Household, person: Person) -> None:
    if household.head_id == person.pk:
        return
    before = {"head": household.head_id}
    Household.objects.filter(pk=household.pk).update(head=person)
    household.head = person
    audit_record(
        actor=actor,
        action="basedata.household.head",
        target=household,
        before=before,
        after={"head": person.pk},
    )


@transaction.atomic
def household_create(*, actor, code: str, grid: str, address: str = "", house=None) -> Household:
    """Register a household (立户)."""
    _require_editor(actor)
    try:
        code = clean_text("code", code, label="户编号", max_length=40, required=True)
        address = clean_text("address", address, label="住址", max_length=200)
        region = GridResolver(actor, people=True).by_code(str(grid or "").strip(), "grid")
    except FieldError as exc:
        raise field_error(exc)
    if Household.objects.filter(code=code).exists():
        raise Conflict("户编号已存在。", code="duplicate", fields={"code": ["已存在"]})
    with _unique("code", "户编号已存在。"):
        household = Household.objects.create(
            code=code, address=address, grid=region, house=_house_ref(actor, house)
        )
    audit_record(
        actor=actor,
        action="basedata.household.create",
        target=household,
        after=snapshot(household, HOUSEHOLD_FIELDS),
    )
    return household


def _house_ref(actor, house):
    if house is None or isinstance(house, House):
        return house
    qs = House.objects.all() if access.is_system(actor) else House.objects.visible_to(actor)
    try:
        return qs.get(pk=house)
    except (House.DoesNotExist, ValueError, TypeError):
        raise ValidationFailed("房屋不存在。", fields={"house": ["不存在"]})


@transaction.atomic
def household_update(*, actor, household: Household, version, **changes) -> Household:
    _require_editor(actor)
    allowed = {"address", "house", "head"}
    if set(changes) - allowed:
        bad = sorted(set(changes) - allowed)
        raise ValidationFailed(
            f"不能修改的字段：{'、'.join(bad)}。", fields={b: ["不可修改"] for b in bad}
        )
    _require_writable(actor, household, people=True)
    household = _lock(household, version)
    before = snapshot(household, HOUSEHOLD_FIELDS)
    fields = []
    if "address" in changes:
        try:
            household.address = clean_text(
                "address", changes["address"], label="住址", max_length=200
            )
        except FieldError as exc:
            raise field_error(exc)
        fields.append("address")
    if "house" in changes:
        household.house = _house_ref(actor, changes["house"])
        fields.append("house")
    if "head" in changes:
        head = changes["head"]
        if head is not None:
            head = household.members.filter(pk=getattr(head, "pk", head)).first()
            if head is None:
                raise ValidationFailed("户主须是本户成员。", fields={"head": ["不是本户成员"]})
        household.head = head
        fields.append("head")
    household.bump_version(fields=fields)
    audit_record(
        actor=actor,
        action="basedata.household.update",
        target=household,
        before=before,
        after=snapshot(household, HOUSEHOLD_FIELDS),
    )
    return household


# ---------------------------------------------------------------------------- houses


@transaction.atomic
def house_create(
    *, actor, address: str, kind: str = "", lon=None, lat=None, grid: str = "", note: str = ""
) -> House:
    """Register a house (房屋登记); the grid is located from the point when no code is given."""
    _require_editor(actor)
    try:
        address = clean_text("address", address, label="地址", max_length=200, required=True)
        house = House(
            address=address,
            kind=clean_house_kind(kind),
            note=clean_text("note", note, label="备注", max_length=200),
        )
        house.lon, house.lat = clean_point(lon, lat)
        house.grid = GridResolver(actor, people=False).resolve(
            str(grid or "").strip(), house.lon, house.lat
        )
    except FieldError as exc:
        raise field_error(exc)
    if House.objects.filter(address=address).exists():
        raise Conflict("该地址的房屋已登记。", code="duplicate", fields={"address": ["已登记"]})
    with _unique("address", "该地址的房屋已登记。"):
        house.save()
    audit_record(
        actor=actor,
        action="basedata.house.create",
        target=house,
        after=snapshot(house, HOUSE_FIELDS),
    )
    return house


@transaction.atomic
def house_update(*, actor, house: House, version, **changes) -> House:
    _require_editor(actor)
    allowed = {"address", "kind", "lon", "lat", "grid", "note"}
    if set(changes) - allowed:
        bad = sorted(set(changes) - allowed)
        raise ValidationFailed(
            f"不能修改的字段：{'、'.join(bad)}。", fields={b: ["不可修改"] for b in bad}
        )
    _require_writable(actor, house, people=False)
    house = _lock(house, version)
    before = snapshot(house, HOUSE_FIELDS)
    try:
        if "address" in changes:
            house.address = clean_text(
                "address", changes["address"], label="地址", max_length=200, required=True
            )
            if House.objects.filter(address=house.address).exclude(pk=house.pk).exists():
                raise Conflict(
                    "该地址的房屋已登记。", code="duplicate", fields={"address": ["已登记"]}
                )
        if "kind" in changes:
            house.kind = clean_house_kind(changes["kind"])
        if "note" in changes:
            house.note = clean_text("note", changes["note"], label="备注", max_length=200)
        if "lon" in changes or "lat" in changes:
            house.lon, house.lat = clean_point(
                changes.get("lon", house.lon), changes.get("lat", house.lat)
            )
        if "grid" in changes or (("lon" in changes or "lat" in changes) and house.lon is not None):
            house.grid = GridResolver(actor, people=False).resolve(
                str(changes.get("grid") or "").strip(), house.lon, house.lat
            )
    except FieldError as exc:
        raise field_error(exc)
    with _unique("address", "该地址的房屋已登记。"):
        house.bump_version(fields=HOUSE_FIELDS)
    audit_record(
        actor=actor,
        action="basedata.house.update",
        target=house,
        before=before,
        after=snapshot(house, HOUSE_FIELDS),
    )
    return house


# ---------------------------------------------------------------------------- legal entities


@transaction.atomic
def entity_create(
    *,
    actor,
    name: str,
    uscc: str,
    kind: str = "",
    legal_rep: str = "",
    phone: str = "",
    address: str = "",
    lon=None,
    lat=None,
    grid: str = "",
    industry: str = "",
) -> LegalEntity:
    """Register a legal entity (法人登记); the credit code is checked (GB 32100)."""
    _require_editor(actor)
    try:
        code = clean_uscc(uscc)
        entity = LegalEntity(
            name=clean_text("name", name, label="名称", max_length=200, required=True),
            uscc=code,
            kind=clean_entity_kind(kind, code),
            legal_rep=clean_text("legal_rep", legal_rep, label="法定代表人", max_length=50),
            phone=clean_phone(phone, label="联系电话"),
            address=clean_text("address", address, label="地址", max_length=200),
            industry=clean_text("industry", industry, label="行业", max_length=100),
        )
        entity.lon, entity.lat = clean_point(lon, lat)
        entity.grid = GridResolver(actor, people=False).resolve(
            str(grid or "").strip(), entity.lon, entity.lat
        )
    except FieldError as exc:
        raise field_error(exc)
    if LegalEntity.objects.filter(uscc=code).exists():
        raise Conflict("该统一社会信用代码已登记。", code="duplicate", fields={"uscc": ["已登记"]})
    with _unique("uscc", "该统一社会信用代码已登记。"):
        entity.save()
    audit_record(
        actor=actor, action="basedata.entity.create", target=entity, after=entity_snapshot(entity)
    )
    return entity


@transaction.atomic
def entity_update(*, actor, entity: LegalEntity, version, **changes) -> LegalEntity:
    _require_editor(actor)
    allowed = {"name", "kind", "legal_rep", "phone", "address", "lon", "lat", "grid", "industry"}
    if set(changes) - allowed:
        bad = sorted(set(changes) - allowed)
        raise ValidationFailed(
            f"不能修改的字段：{'、'.join(bad)}。", fields={b: ["不可修改"] for b in bad}
        )
    _require_writable(actor, entity, people=False)
    entity = _lock(entity, version)
    before = entity_snapshot(entity)
    try:
        if "name" in changes:
            entity.name = clean_text(
                "name", changes["name"], label="名称", max_length=200, required=True
            )
        if "kind" in changes:
            entity.kind = clean_entity_kind(changes["kind"], entity.uscc)
        if "legal_rep" in changes:
            entity.legal_rep = clean_text(
                "legal_rep", changes["legal_rep"], label="法定代表人", max_length=50
            )
        if "phone" in changes:
            entity.phone = clean_phone(changes["phone"], label="联系电话")
        if "address" in changes:
            entity.address = clean_text("address", changes["address"], label="地址", max_length=200)
        if "industry" in changes:
            entity.industry = clean_text(
                "industry", changes["industry"], label="行业", max_length=100
            )
        if "lon" in changes or "lat" in changes:
            entity.lon, entity.lat = clean_point(
                changes.get("lon", entity.lon), changes.get("lat", entity.lat)
            )
        if "grid" in changes or (("lon" in changes or "lat" in changes) and entity.lon is not None):
            entity.grid = GridResolver(actor, people=False).resolve(
                str(changes.get("grid") or "").strip(), entity.lon, entity.lat
            )
    except FieldError as exc:
        raise field_error(exc)
    entity.bump_version(fields=[f for f in ENTITY_FIELDS if f != "uscc"] + ["phone"])
    audit_record(
        actor=actor,
        action="basedata.entity.update",
        target=entity,
        before=before,
        after=entity_snapshot(entity),
    )
    return entity


__all__ = [
    "StaleVersion",
    "person_create",
    "person_update",
    "person_set_tags",
    "person_mark_colour",
    "person_reveal",
    "household_create",
    "household_update",
    "house_create",
    "house_update",
    "entity_create",
    "entity_update",
]
