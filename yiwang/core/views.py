"""The home page: each role lands on its work (每个角色的首页就是它的工作).

Apps register, for a set of roles, their workbench links (a tile on the 工作台 page and the
resident's home) and their home pages (where `/` takes a user of that role, the highest priority
first). A resident's home is a page of big tiles: report, my orders, services. A user with
several roles lands on the home of the highest priority and reaches the others from 工作台.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

# Apps register workbench links here: (roles, title, url, icon, order). A superuser sees all.
# `icon` names a symbol of static/icons.svg (camera, list, building, map, inbox, desk, chart,
# house, flag, gear, shield, factory).
WORKBENCH_LINKS: list[tuple[frozenset, str, str, str, int]] = []
# (roles, url, priority): where `/` takes a user holding one of `roles`.
HOMES: list[tuple[frozenset, str, int]] = []
RESIDENT = "resident"


def register_workbench(roles: set, title: str, url: str, icon: str = "", order: int = 100) -> None:
    entry = (frozenset(roles), title, url, icon, order)
    if entry not in WORKBENCH_LINKS:
        WORKBENCH_LINKS.append(entry)


def register_home(roles: set, url: str, priority: int = 0) -> None:
    """`/` takes a user holding one of `roles` to `url` (the highest `priority` wins)."""
    entry = (frozenset(roles), url, priority)
    if entry not in HOMES:
        HOMES.append(entry)


def links_for(user) -> list[dict]:
    roles = user.roles()
    links = [
        {"title": title, "url": url, "icon": icon or "list", "order": order}
        for link_roles, title, url, icon, order in WORKBENCH_LINKS
        if user.is_superuser or roles & link_roles
    ]
    if user.is_staff:
        links.append({"title": "系统管理", "url": "/admin/", "icon": "gear", "order": 999})
    links.sort(key=lambda link: link["order"])
    return links


def home_url_for(user) -> str | None:
    """The page a user lands on, or None (a resident's tiles, an admin's workbench)."""
    if user.is_superuser:
        return None
    roles = user.roles()
    matching = [(priority, url) for home_roles, url, priority in HOMES if roles & home_roles]
    if not matching:
        return None
    return max(matching)[1]


@login_required
def home(request):
    user = request.user
    target = home_url_for(user)
    if target:
        return redirect(target)
    if RESIDENT in user.roles() and not user.is_superuser:
        return render(request, "core/resident_home.html", {"links": links_for(user)})
    return workbench(request)


@login_required
def workbench(request):
    """工作台: every page this user's roles open, as tiles."""
    return render(request, "core/home.html", {"links": links_for(request.user)})
