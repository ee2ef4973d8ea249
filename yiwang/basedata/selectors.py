"""Every read of base data, already scoped to the asking user (`user=None`: the system).

Filters (all optional): `grid` (a region code: a grid, or a community/street as a prefix),
`tag` (tag name), `colour` (red/yellow/green/none), `q` (name contains; an exact 18-character
ID number or an exact phone number is found through its lookup hash), `household` (id),
`kind` (house or entity kind).
"""

from __future__ import annotations

from django.db.models import Q

from yiwang.accounts.scope import access_or_404
from yiwang.basedata.models import House, Household, ImportBatch, LegalEntity, Person, PersonTag
from yiwang.core.errors import ValidationFailed
from yiwang.core.pii import lookup_hash
from yiwang.core.validators import normalize_id_number, normalize_phone

COLOURS = {"red", "yellow", "green", "none"}


def _base(model, user):
    return model.objects.all() if user is None else model.objects.visible_to(user)


def _grid_filter(qs, filters):
    code = str(filters.get("grid") or "").strip()
    if code:
        qs = qs.filter(grid__code__startswith=code)
    return qs


def person_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = _grid_filter(_base(Person, user), filters)
    tag = str(filters.get("tag") or "").strip()
    if tag:
        qs = qs.filter(
            pk__in=Person.tags.through.objects.filter(persontag__name=tag).values("person_id")
        )
    colour = str(filters.get("colour") or "").strip()
    if colour:
        if colour not in COLOURS:
            raise ValidationFailed(
                "颜色应为 red、yellow、green 或 none。", fields={"colour": ["无效"]}
            )
        qs = qs.filter(colour="" if colour == "none" else colour)
    household = str(filters.get("household") or "").strip()
    if household:
        if not household.isdigit():
            raise ValidationFailed(
                "户 household 应为编号（整数）。", fields={"household": ["无效"]}
            )
        value = int(household)
        qs = qs.filter(household_id=value) if value < 2**63 else qs.none()
    q = str(filters.get("q") or "").strip()
    if q:
        cond = Q(name__icontains=q)
        if len(q) == 18:
            cond |= Q(id_hash=lookup_hash(normalize_id_number(q)))
        phone = normalize_phone(q)
        if phone.isdigit() and len(phone) >= 7:
            cond |= Q(phone_hash=lookup_hash(phone))
        qs = qs.filter(cond)
    return qs.select_related("grid", "household").prefetch_related("tags")


def person_get(*, user, id):
    return access_or_404(
        Person.objects.select_related("grid", "household").prefetch_related("tags"),
        user=user,
        pk=id,
    )


def household_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = _grid_filter(_base(Household, user), filters)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(address__icontains=q))
    return qs.select_related("grid", "head", "house")


def household_get(*, user, id):
    return access_or_404(
        Household.objects.select_related("grid", "head", "house"), user=user, pk=id
    )


def house_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = _grid_filter(_base(House, user), filters)
    kind = str(filters.get("kind") or "").strip()
    if kind:
        if kind not in House.Kind.values:
            raise ValidationFailed("房屋类型无效。", fields={"kind": ["无效"]})
        qs = qs.filter(kind=kind)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(address__icontains=q)
    return qs.select_related("grid")


def house_get(*, user, id):
    return access_or_404(House.objects.select_related("grid"), user=user, pk=id)


def entity_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = _grid_filter(_base(LegalEntity, user), filters)
    kind = str(filters.get("kind") or "").strip()
    if kind:
        if kind not in LegalEntity.Kind.values:
            raise ValidationFailed("法人类型无效。", fields={"kind": ["无效"]})
        qs = qs.filter(kind=kind)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=q.upper()) | Q(address__icontains=q))
    return qs.select_related("grid")


def entity_get(*, user, id):
    return access_or_404(LegalEntity.objects.select_related("grid"), user=user, pk=id)


def tag_list():
    return PersonTag.objects.filter(is_active=True)


def import_batch_get(*, user, id):
    return access_or_404(ImportBatch.objects, user=user, pk=id)
