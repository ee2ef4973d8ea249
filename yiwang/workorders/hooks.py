"""Channel guards (渠道准入): who may file on a channel that a higher app owns.

Workorders knows every intake channel, but some belong to an app above it: the `enterprise`
channel (企业诉求) is the economy app's, and only that app knows who speaks for a firm. The
owner registers a guard here (in its `AppConfig.ready`), and `work_order_create` asks it before
anything is validated or written, for every caller with a user (pages, the API, services of
other apps). The system (`actor=None`: imports, integrations) is not asked.

A guard is `guard(user) -> str`: "" admits the user, a Chinese sentence refuses them (the
caller answers 403 `channel_forbidden` with it). A guard must not write.
"""

from __future__ import annotations

from collections.abc import Callable

ChannelGuard = Callable[[object], str]

_guards: dict[str, list[ChannelGuard]] = {}


def register_channel_guard(channel: str, guard: ChannelGuard) -> None:
    """Let `guard` decide who may file on `channel` (idempotent)."""
    guards = _guards.setdefault(channel, [])
    if guard not in guards:
        guards.append(guard)


def unregister_channel_guard(channel: str, guard: ChannelGuard) -> None:
    if guard in _guards.get(channel, []):
        _guards[channel].remove(guard)


def channel_refusal(channel: str, user) -> str:
    """The first refusal of the channel's guards for `user`, or "" when all admit them."""
    for guard in _guards.get(channel, ()):
        refusal = guard(user)
        if refusal:
            return str(refusal)
    return ""
