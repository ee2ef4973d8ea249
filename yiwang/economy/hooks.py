"""The economy app's hooks into the work-order loop.

`enterprise_channel_refusal` is the guard of the work-order channel `enterprise` (企业诉求),
registered in `EconomyConfig.ready` (see `yiwang.workorders.hooks`): only someone who speaks for
a firm may file on it, whatever the door (the economy pages, `POST /api/v1/workorders/` with
`"channel": "enterprise"`, another app's service):

- a firm's company user (企业用户, `FirmUser`);
- an official assigned to a firm (挂钩人员, an active `OfficialAssignment`);
- the economic development bureau (`services.is_bureau`: its staff, street leaders,
  administrators), and the command centre's dispatchers and the window clerks, who record a
  firm's request taken by phone or at the desk.

Everyone else is refused (403 `channel_forbidden`) and nothing is filed. Which firm a request
belongs to is checked by `services.enterprise_request_create` (the firm's own user or its
officials only).
"""

from __future__ import annotations

from yiwang.accounts.models import Role

REFUSAL = (
    "只有企业用户、企业的挂钩服务人员或经济发展局工作人员可以提出企业诉求；"
    "如是个人遇到的问题，请以居民身份上报。"
)
RECORDING_ROLES = (Role.DISPATCHER, Role.WINDOW_CLERK)


def enterprise_channel_refusal(user) -> str:
    """ "" when `user` may file an enterprise request, else the Chinese refusal."""
    from yiwang.economy.models import FirmUser, OfficialAssignment
    from yiwang.economy.services import is_bureau

    if user is None or not getattr(user, "is_authenticated", False):
        return REFUSAL
    if is_bureau(user) or user.has_role(*RECORDING_ROLES):
        return ""
    if FirmUser.objects.filter(user=user).exists():
        return ""
    if OfficialAssignment.objects.filter(official=user, is_active=True).exists():
        return ""
    return REFUSAL
