"""The home page: each role's workbench links (每个角色的工作台入口)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

# Apps register workbench links here: (roles, title, url). A superuser sees all.
WORKBENCH_LINKS: list[tuple[set, str, str]] = []


def register_workbench(roles: set, title: str, url: str) -> None:
    if (roles, title, url) not in WORKBENCH_LINKS:
        WORKBENCH_LINKS.append((roles, title, url))


@login_required
def home(request):
    user = request.user
    links = [
        {"title": title, "url": url}
        for roles, title, url in WORKBENCH_LINKS
        if user.is_superuser or user.roles() & roles
    ]
    if user.is_staff:
        links.append({"title": "系统管理", "url": "/admin/"})
    return render(request, "core/home.html", {"links": links})
