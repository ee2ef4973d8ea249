"""Who a resident is (居民身份): the person(s) of the 人口库 whose phone matches the signed-in
user's phone — the same link the work-order pages use to make a resident the reporter. A phone
shared by a family maps to several people; voting then needs the one who is 18 or older and,
when still ambiguous, a visit to the community office (never a guess)."""

from __future__ import annotations

import datetime as dt

from yiwang.basedata.models import Person
from yiwang.core.pii import lookup_hash
from yiwang.core.validators import normalize_phone

ADULT_AGE = 18  # 城市居民委员会组织法 第九条：居民会议由十八周岁以上的居民组成


def _phone_hash(user) -> str:
    phone = normalize_phone(getattr(user, "phone", "") or "")
    return lookup_hash(phone) if phone else ""


def people_of(user):
    """The registered people behind a user (by phone), with their grid and household."""
    digest = _phone_hash(user)
    if not digest:
        return Person.objects.none()
    return Person.objects.filter(phone_hash=digest).select_related("grid__parent", "household")


def community_codes_of(user_id: int) -> set[str]:
    from yiwang.accounts.models import User

    user = User.objects.filter(pk=user_id).only("phone").first()
    if user is None:
        return set()
    return {code for code in people_of(user).values_list("grid__parent__code", flat=True) if code}


def adult_cutoff(today: dt.date) -> dt.date:
    """People born on or before this day are 18 or older today."""
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)
