"""Every read of the approvals app, scoped to the asking user.

The catalogue (办事指南) is public information; applications, steps and rectifications start
from `visible_to(user)`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from yiwang.accounts.models import OrgUnit, Role
from yiwang.accounts.scope import access_or_404
from yiwang.approvals.models import (
    DECIDED,
    Application,
    ApplicationMaterial,
    ApplicationStep,
    Bundle,
    BundleItem,
    Rating,
    RatingLevel,
    Rectification,
    ServiceItem,
    Status,
    StepFlow,
)
from yiwang.approvals.permissions import holds_step, is_clerk_of, streets_of
from yiwang.core.errors import ValidationFailed
from yiwang.core.workdays import CalendarUndefined, local_tz, workdays_between

A = Application
S = Status

# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------


def item_list(*, user=None, filters: dict | None = None):
    """Active items, searchable by name/keyword (`q`), life event, department, type, street."""
    f = filters or {}
    qs = (
        ServiceItem.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related(
            "materials",
            Prefetch("flows", queryset=StepFlow.objects.prefetch_related("steps__department")),
        )
    )
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(keywords__icontains=q) | Q(code=q))
    if event := (f.get("life_event") or "").strip():
        ids = [i.pk for i in ServiceItem.objects.only("life_events") if event in i.life_events]
        qs = qs.filter(pk__in=ids)
    if dept := f.get("department"):
        qs = qs.filter(Q(department__code=dept) | Q(department__name=dept))
    if t := f.get("type"):
        qs = qs.filter(item_type=t)
    if street := f.get("street"):
        qs = qs.filter(devolved_to__code=street)
    return qs.order_by("code")


def item_get(*, code: str) -> ServiceItem:
    return access_catalogue(item_list(), code=code, what="事项")


def bundle_list(*, user=None, filters: dict | None = None):
    f = filters or {}
    qs = (
        Bundle.objects.filter(is_active=True)
        .select_related("lead_department")
        .prefetch_related(
            Prefetch(
                "bundle_items",
                queryset=BundleItem.objects.select_related("item", "item__department")
                .prefetch_related("item__materials")
                .order_by("sort_order", "id"),
            )
        )
    )
    if q := (f.get("q") or "").strip():
        qs = qs.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(items__name__icontains=q)
        ).distinct()
    if event := (f.get("life_event") or "").strip():
        ids = [b.pk for b in Bundle.objects.only("life_events") if event in b.life_events]
        qs = qs.filter(pk__in=ids)
    return qs.order_by("code")


def bundle_get(*, code: str) -> Bundle:
    bundle = access_catalogue(bundle_list(), code=code, what="一件事")
    bundle._approvals_items = [bi.item for bi in bundle.bundle_items.all()]
    return bundle


def access_catalogue(qs, *, code, what):
    from yiwang.core.errors import NotFound

    obj = qs.filter(code=code).first()
    if obj is None:
        raise NotFound(f"找不到该{what}。")
    return obj


def life_events_in_use() -> list[str]:
    from yiwang.approvals.models import LIFE_EVENTS

    used = set()
    for events in ServiceItem.objects.filter(is_active=True).values_list("life_events", flat=True):
        used.update(events or [])
    for events in Bundle.objects.filter(is_active=True).values_list("life_events", flat=True):
        used.update(events or [])
    return [e for e in LIFE_EVENTS if e in used] + sorted(used - set(LIFE_EVENTS))


def reusable_materials(*, user, keys: list[str]) -> dict[str, ApplicationMaterial]:
    """The latest material per key the user may reuse (免提交): from their own approved or
    delivered applications."""
    if not getattr(user, "is_authenticated", False):
        return {}
    out: dict[str, ApplicationMaterial] = {}
    qs = (
        ApplicationMaterial.objects.filter(
            key__in=keys,
            application__applicant=user,
            application__status__in=[S.APPROVED, S.DELIVERED],
        )
        .exclude(file="")
        .order_by("key", "-uploaded_at")
    )
    for m in qs:
        out.setdefault(m.key, m)
    return out


# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------


def _base(user):
    return A.objects.visible_to(user).select_related(
        "item", "bundle", "street", "department", "applicant"
    )


def application_list(*, user, filters: dict | None = None):
    """Visible applications. Filters: status (comma list), kind, mine (own as applicant),
    top (bundles and single items only), item, bundle, q (number or applicant name)."""
    f = filters or {}
    qs = _base(user)
    if status := f.get("status"):
        qs = qs.filter(status__in=[s for s in str(status).split(",") if s])
    if kind := f.get("kind"):
        qs = qs.filter(kind=kind)
    if str(f.get("mine", "")).lower() in {"1", "true", "yes"}:
        qs = qs.filter(Q(applicant=user) | Q(submitted_by=user))
    if str(f.get("top", "")).lower() in {"1", "true", "yes"}:
        qs = qs.filter(parent__isnull=True)
    if item := f.get("item"):
        qs = qs.filter(item__code=item)
    if bundle := f.get("bundle"):
        qs = qs.filter(bundle__code=bundle)
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(number__startswith=q) | Q(applicant_name=q))
    return qs.order_by("-submitted_at", "-id")


def application_get(*, user, id) -> Application:
    return access_or_404(
        _base(user).prefetch_related(
            Prefetch("steps", queryset=ApplicationStep.objects.select_related("department")),
            "events",
            Prefetch(
                "materials", queryset=ApplicationMaterial.objects.order_by("key", "-uploaded_at")
            ),
        ),
        user=user,
        message="找不到该办件。",
        pk=id,
    )


def sub_applications(*, user, application: Application) -> list[Application]:
    if application.kind != A.Kind.BUNDLE:
        return []
    return list(
        application.children.visible_to(user)
        .select_related("item", "department")
        .prefetch_related(
            Prefetch("steps", queryset=ApplicationStep.objects.select_related("department"))
        )
        .order_by("id")
    )


def timeline(*, application: Application, user) -> list:
    """The application's events; for a bundle parent, the children's too (the applicant sees
    one story)."""
    ids = [application.pk]
    if application.kind == A.Kind.BUNDLE:
        ids += list(application.children.visible_to(user).values_list("pk", flat=True))
    from yiwang.approvals.models import ApplicationEvent

    return list(
        ApplicationEvent.objects.filter(application_id__in=ids)
        .select_related("application__item")
        .order_by("at", "id")
    )


def material_get(*, user, application_id, material_id) -> ApplicationMaterial:
    """A material of a visible application (a sub-application sees its parent's)."""
    from yiwang.core.errors import NotFound

    app = access_or_404(A.objects, user=user, message="找不到该办件。", pk=application_id)
    owner_id = app.parent_id or app.pk
    material = ApplicationMaterial.objects.filter(pk=material_id, application_id=owner_id).first()
    if material is None or not material.file:
        raise NotFound("找不到该材料。")
    return material


def current_materials(application: Application) -> list[ApplicationMaterial]:
    owner = application.owner
    return list(
        ApplicationMaterial.objects.filter(application=owner, is_current=True).order_by("key")
    )


def allowed_actions(*, user, application: Application) -> list[str]:
    """What `user` may do to the application now (for pages and the API)."""
    app = application
    out = []
    top = app.parent_id is None
    clerk = is_clerk_of(user, app.street_id)
    owner = user.pk in (app.applicant_id, app.submitted_by_id)
    if top and clerk and app.status == S.SUBMITTED:
        out += ["accept", "request_materials", "reject"]
    if top and clerk and app.status == S.NEEDS_MATERIALS:
        out += ["reject"]
    if app.status == S.NEEDS_MATERIALS and (owner or clerk):
        out += ["upload", "supplement"]
    if app.status == S.SUBMITTED and (owner or clerk):
        out += ["upload"]
    if app.kind != A.Kind.BUNDLE and app.status in (S.ACCEPTED, S.REVIEWING):
        step = next((s for s in app.steps.all() if s.state == ApplicationStep.State.ACTIVE), None)
        if step is not None and holds_step(user, step):
            out += ["approve_step", "deny", "request_materials"]
    if top and clerk and app.status in (S.APPROVED, S.DENIED):
        out += ["deliver"]
    if top and app.status in (S.DELIVERED, S.REJECTED) and not hasattr_rating(app):
        if (app.applicant_id and user.pk == app.applicant_id) or (
            app.applicant_id is None and clerk
        ):
            out += ["rate"]
    return out


def hasattr_rating(app: Application) -> bool:
    try:
        return app.rating is not None
    except Rating.DoesNotExist:
        return False


def window_queue(*, user, day: dt.date | None = None) -> dict:
    """综窗 today's queue: waiting for acceptance, waiting for materials, results to hand over,
    and what was accepted or delivered today."""
    day = day or timezone.now().astimezone(local_tz()).date()
    streets = streets_of(user, Role.WINDOW_CLERK)
    qs = _base(user).filter(parent__isnull=True)
    if not user.is_superuser:
        qs = qs.filter(street_id__in=streets)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=local_tz())
    end = start + dt.timedelta(days=1)
    return {
        "to_accept": list(qs.filter(status=S.SUBMITTED).order_by("submitted_at")),
        "waiting_materials": list(qs.filter(status=S.NEEDS_MATERIALS).order_by("submitted_at")),
        "to_deliver": list(qs.filter(status__in=[S.APPROVED, S.DENIED]).order_by("decided_at")),
        "in_review": list(qs.filter(status__in=[S.ACCEPTED, S.REVIEWING]).order_by("deadline")),
        "accepted_today": qs.filter(accepted_at__gte=start, accepted_at__lt=end).count(),
        "delivered_today": qs.filter(delivered_at__gte=start, delivered_at__lt=end).count(),
    }


def step_list(*, user, filters: dict | None = None):
    """My steps (审批): active steps of applications I may see, in my departments and roles."""
    f = filters or {}
    qs = ApplicationStep.objects.select_related(
        "application", "application__item", "application__bundle", "department"
    ).filter(application__in=A.objects.visible_to(user))
    if not user.is_superuser:
        from yiwang.accounts.models import Membership

        mine = Q(pk__in=[])
        for unit_id, role in Membership.objects.filter(user=user).values_list(
            "org_unit_id", "role"
        ):
            mine |= Q(department_id=unit_id, role=role)
        qs = qs.filter(mine)
    state = f.get("state") or ApplicationStep.State.ACTIVE
    if state != "all":
        qs = qs.filter(state=state)
    return qs.order_by("deadline", "id")


def rectification_list(*, user, filters: dict | None = None):
    f = filters or {}
    qs = Rectification.objects.visible_to(user).select_related(
        "application", "application__item", "application__bundle", "department", "rating"
    )
    if state := f.get("state"):
        qs = qs.filter(state=state)
    return qs.prefetch_related("follow_ups").order_by("state", "deadline")


def rectification_get(*, user, id) -> Rectification:
    return access_or_404(
        Rectification.objects.select_related("application", "department", "rating"),
        user=user,
        message="找不到该整改。",
        pk=id,
    )


# ---------------------------------------------------------------------------------------------
# KPIs
# ---------------------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _parse_day(value, name):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{name} 日期格式应为 YYYY-MM-DD。", fields={name: ["YYYY-MM-DD"]})


def approval_kpis(*, user, filters: dict | None = None) -> dict:
    """The 为民服务中心 indicators over the applications the user may see.

    Item-level figures (办结率, 按期办结率, 平均办理工作日, 当场办结占比) count single-item
    applications and bundle sub-applications (each item is one 办件); visits, 不见面 and 好差评
    count what the applicant experiences: single items and bundle parents.

    - 办结率: decided (approved, denied, delivered) / accepted (ever accepted, not rejected).
    - 按期办结率: decided no later than the deadline / decided.
    - avg_workdays_to_decision: working days (office hours) from acceptance to decision, less
      the days paused for materials.
    - on_the_spot_share: decided at acceptance (即办件) / decided.
    - no_visit_share (不见面): delivered with zero visits / delivered; online_submitted_share:
      submitted online / all submitted.
    - within_visits_share (最多跑一次): delivered within the item's allowed visits / delivered.
    - good_rating_share (好评率): ratings that are not 差评 (基本满意 and above) / ratings.
    - rectified_on_time_share: 差评 rectifications closed by their deadline / those closed or
      already past their deadline.
    """
    f = filters or {}
    qs = A.objects.visible_to(user)
    since, until = _parse_day(f.get("from"), "from"), _parse_day(f.get("to"), "to")
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    if until:
        qs = qs.filter(submitted_at__date__lte=until)
    if street := f.get("street"):
        qs = qs.filter(street__code=street)
    items = qs.exclude(kind=A.Kind.BUNDLE)
    tops = qs.filter(parent__isnull=True)

    by_status = {s: 0 for s in S.values}
    for row in items.values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    accepted = items.filter(accepted_at__isnull=False)
    n_accepted = accepted.count()
    decided_rows = list(
        accepted.filter(status__in=list(DECIDED)).values_list(
            "accepted_at", "decided_at", "deadline", "decided_on_spot", "paused_workdays"
        )
    )
    n_decided = len(decided_rows)
    on_time = sum(1 for _a, d, dl, _s, _p in decided_rows if d and dl and d <= dl)
    spot = sum(1 for *_x, s, _p in decided_rows if s)
    durations = []
    try:
        for a, d, _dl, _s, paused in decided_rows:
            if a and d:
                durations.append(max(workdays_between(a, d) - paused, 0.0))
        avg_days = round(sum(durations) / len(durations), 2) if durations else None
    except CalendarUndefined:
        avg_days = None

    delivered = list(tops.filter(status=S.DELIVERED).values_list("visits", "max_visits"))
    n_delivered = len(delivered)
    no_visit = sum(1 for v, _m in delivered if v == 0)
    within = sum(1 for v, m in delivered if v <= m)
    n_tops = tops.count()
    online = tops.filter(channel=A.Channel.ONLINE).count()

    ratings = Rating.objects.filter(application__in=tops)
    levels = {lvl: 0 for lvl in RatingLevel.values}
    for row in ratings.values("level").annotate(n=Count("id")):
        levels[row["level"]] = row["n"]
    n_ratings = sum(levels.values())
    bad = levels[1] + levels[2]
    rects = list(
        Rectification.objects.filter(application__in=tops).values_list(
            "state", "closed_at", "deadline"
        )
    )
    now = timezone.now()
    due = [r for r in rects if r[0] == Rectification.State.CLOSED or r[2] < now]
    rect_on_time = sum(1 for st, closed, dl in rects if closed and closed <= dl)
    return {
        "applications": {
            "total": sum(by_status.values()),
            "by_status": by_status,
            "top_level": n_tops,
            "bundles": tops.filter(kind=A.Kind.BUNDLE).count(),
        },
        "accepted": n_accepted,
        "decided": n_decided,
        "completion_rate": _ratio(n_decided, n_accepted),
        "on_time_rate": _ratio(on_time, n_decided),
        "avg_workdays_to_decision": avg_days,
        "on_the_spot_share": _ratio(spot, n_decided),
        "delivered": n_delivered,
        "no_visit_share": _ratio(no_visit, n_delivered),
        "online_submitted_share": _ratio(online, n_tops),
        "within_visits_share": _ratio(within, n_delivered),
        "ratings": {
            "total": n_ratings,
            "by_level": {RatingLevel(k).label: v for k, v in sorted(levels.items(), reverse=True)},
            "bad": bad,
        },
        "good_rating_share": _ratio(n_ratings - bad, n_ratings),
        "rectifications": {
            "total": len(rects),
            "closed": sum(1 for r in rects if r[0] == Rectification.State.CLOSED),
            "closed_on_time": rect_on_time,
            "due": len(due),
        },
        "rectified_on_time_share": _ratio(rect_on_time, len(due)),
    }


def streets_for_choice() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=OrgUnit.Kind.STREET, is_active=True))


# ---------------------------------------------------------------------------------------------
# Papers, results, 补正 progress, held uploads
# ---------------------------------------------------------------------------------------------


def _family_ids(application: Application) -> list[int]:
    """The application and, for a 一件事, its sub-applications."""
    ids = [application.pk]
    if application.kind == A.Kind.BUNDLE:
        ids += list(application.children.values_list("pk", flat=True))
    return ids


def papers_of(application: Application) -> list:
    """The numbered papers of a visible application (a 一件事 with its sub-applications')."""
    from yiwang.approvals.models import Paper

    return list(
        Paper.objects.filter(application_id__in=_family_ids(application))
        .select_related("application")
        .order_by("issued_at", "id")
    )


def results_visible(*, user, application: Application) -> bool:
    """Staff who see the application see its results as soon as they exist; the applicant
    once they are handed over (出件)."""
    top = application.parent if application.parent_id else application
    if top.status == S.DELIVERED:
        return True
    return user.pk not in (application.applicant_id, application.submitted_by_id) or (
        user.has_role(Role.WINDOW_CLERK) and is_clerk_of(user, application.street_id)
    )


def results_of(*, user, application: Application) -> list:
    from yiwang.approvals.models import ResultDocument

    if not results_visible(user=user, application=application):
        return []
    return list(
        ResultDocument.objects.filter(application_id__in=_family_ids(application))
        .select_related("application")
        .order_by("application_id", "id")
    )


def paper_get(*, user, application_id, paper_id):
    """A paper of an application the user may see (a sub-application's from its 一件事)."""
    from yiwang.approvals.models import Paper
    from yiwang.core.errors import NotFound

    app = access_or_404(A.objects, user=user, message="找不到该办件。", pk=application_id)
    paper = (
        Paper.objects.filter(pk=paper_id, application_id__in=_family_ids(app))
        .select_related("application", "application__street")
        .first()
    )
    if paper is None:
        raise NotFound("找不到该文书。")
    return paper


def result_get(*, user, application_id, result_id):
    from yiwang.approvals.models import ResultDocument
    from yiwang.core.errors import NotFound

    app = access_or_404(A.objects, user=user, message="找不到该办件。", pk=application_id)
    result = None
    if results_visible(user=user, application=app):
        result = (
            ResultDocument.objects.filter(pk=result_id, application_id__in=_family_ids(app))
            .select_related("application", "application__street")
            .first()
        )
    if result is None:
        raise NotFound("找不到该办理结果。")
    return result


def gaps_with_progress(application: Application) -> list[dict]:
    """The 一次性告知 list with what has come in since (补正): a gap is received once a current
    material of its key is on file (the notice set the old one aside)."""
    gaps = application.missing_materials or []
    if not gaps:
        return []
    current = {
        m.key: m
        for m in ApplicationMaterial.objects.filter(
            application=application.owner, is_current=True, key__in=[g["key"] for g in gaps]
        ).order_by()
    }
    out = []
    for g in gaps:
        m = current.get(g["key"])
        out.append(
            {
                **g,
                "received": m is not None,
                "received_at": m.uploaded_at if m else None,
                "received_name": (m.original_name or m.get_source_display()) if m else "",
            }
        )
    return out


def held_uploads(*, user, ids: dict[str, str]) -> dict:
    """The uploads `user` holds for a corrected form, by material key (others' ids: ignored)."""
    from yiwang.approvals.models import HeldUpload

    wanted = {k: int(v) for k, v in ids.items() if str(v).isdigit() and int(v) < 2**63}
    if not wanted or not getattr(user, "is_authenticated", False):
        return {}
    rows = HeldUpload.objects.filter(owner=user, pk__in=wanted.values())
    return {h.key: h for h in rows if wanted.get(h.key) == h.pk}
