"""Every read of base data, already scoped to the asking user (`user=None`: the system).

Filters (all optional): `grid` (a region code: a grid, or a community/street as a prefix),
`tag` (tag name), `colour` (red/yellow/green/none), `q` (name contains; never an ID number or
phone: see `services.person_search`), `household` (id),
`kind` (house or entity kind).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from django.db.models import Q

from yiwang.accounts.scope import access_or_404
from yiwang.basedata.models import House, Household, ImportBatch, LegalEntity, Person, PersonTag
from yiwang.core.errors import ValidationFailed

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
        # Names only: an exact ID number or phone is looked up through `services.person_search`
        # (POST, PII roles, audited, limited), never from a query string.
        qs = qs.filter(name__icontains=q)
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


# --- addresses for maps and the report form (no personal data) ----------------------------------

_ROOM = re.compile(r"(\d+单元)?\d+(室|户)$")
_BUILDING_WORDS = (("号楼", "幢"), ("栋", "幢"), ("座", "幢"))


def _normal_address(text: str) -> str:
    """Full-width digits and letters to ASCII, no spaces, 栋/号楼 as 幢."""
    text = "".join(unicodedata.normalize("NFKC", text or "").split())
    for word, same in _BUILDING_WORDS:
        text = text.replace(word, same)
    return text


def building_address(address: str) -> str:
    """A house's address without its room (…5幢101室 → …5幢): the building is public, the room
    would point at a household."""
    return _ROOM.sub("", address or "") or (address or "")


def _buildings(rows) -> list[dict]:
    """Group (address, lon, lat, kind) rows into buildings: one point each (the mean)."""
    groups: dict[str, list] = {}
    for address, lon, lat, kind in rows:
        groups.setdefault(building_address(address), []).append((lon, lat, kind))
    out = []
    for name, points in groups.items():
        out.append(
            {
                "address": name,
                "lon": round(sum(p[0] for p in points) / len(points), 6),
                "lat": round(sum(p[1] for p in points) / len(points), 6),
                "kind": points[0][2],
                "units": len(points),
            }
        )
    return out


def building_points(*, bbox=None, limit: int = 3000) -> list[dict]:
    """The 房屋库 as building points (address without room, mean point, kind, number of
    units) inside `bbox` (min_lon, min_lat, max_lon, max_lat): what a map may show to anyone,
    since no household or person can be told from it."""
    qs = House.objects.filter(lon__isnull=False, lat__isnull=False)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(lon__range=(min_lon, max_lon), lat__range=(min_lat, max_lat))
    rows = qs.order_by("address").values_list("address", "lon", "lat", "kind")[: limit * 4]
    return _buildings(rows)[:limit]


def address_match(text: str, *, limit: int = 5) -> list[dict]:
    """Buildings of the 房屋库 whose address matches a typed address (地址匹配), best first:
    [{"address", "lon", "lat", "kind", "units", "score"}]. The estate or road name is the text
    before the first number; its longest tail found in the register picks the candidates, and
    the whole typed address ranks them (difflib ratio)."""
    typed = _normal_address(text)
    head = re.match(r"\D*", typed).group()
    if len(typed) < 2:
        return []
    head = head or typed
    base = House.objects.filter(lon__isnull=False, lat__isnull=False)
    rows = []
    for size in range(min(len(head), 12), 1, -1):
        rows = list(
            base.filter(address__contains=head[-size:]).values_list(
                "address", "lon", "lat", "kind"
            )[:2000]
        )
        if rows:
            break
    scored = []
    for building in _buildings(rows):
        score = difflib.SequenceMatcher(None, typed, _normal_address(building["address"])).ratio()
        scored.append(building | {"score": round(score, 3)})
    scored.sort(key=lambda b: (-b["score"], b["address"]))
    return scored[:limit]
