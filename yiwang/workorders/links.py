"""Records of higher apps that hang on a work order (关联事项), e.g. the enforcement case opened
from it (已立案). Workorders may not import those apps: they register a provider here, and the
order page shows what the providers return for the viewer.

A provider is `provider(order, user) -> list[OrderLink]`; it must apply its own data scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OrderLink:
    badge: str  # short state shown beside the status, e.g. "已立案"
    label: str  # e.g. "执法案件 ZF2026-0003（调查取证）"
    url: str
    waits: bool = False  # the order waits on this record (its handling continues there)


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def links_for(order, user) -> list[OrderLink]:
    links: list[OrderLink] = []
    for provider in _providers:
        links.extend(provider(order, user))
    return links
