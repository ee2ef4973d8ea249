"""Every write of the approvals app: submitting, the life-cycle transitions, materials, 好差评
and 差评整改. One function per use case, keyword-only, in one transaction, with an audit row and
the applicant's timeline event written in the same transaction. One module per use-case family;
this package re-exports the public names, so callers import `yiwang.approvals.services`.

Timing (行政许可法, reference.md §5.1): limits are working days from acceptance (Art. 82); a
一次性告知 (Art. 32) before acceptance keeps the clock unstarted, and one during review stops
it until the applicant supplements (the working days in between are added to the deadline).
Visits (最多跑一次): an action the applicant attends in person counts one visit; several
actions on the same day count as one trip.

A bundle (一件事) is a parent whose children are the item applications. The window acts on the
parent (accept, 一次性告知, reject, deliver, rate) and the action cascades to the children;
departments act on the children (approve_step, deny), and the parent concludes when the last
child is decided.

| module        | use cases                                                          |
|---------------|--------------------------------------------------------------------|
| common        | clock, working-day limits, locked reads, timeline recorder          |
| materials     | file checks, 免提交 reuse, material_add, held uploads (暂存材料)     |
| intake        | application_submit (online, 窗口代办, 上门办), application_open_on_behalf |
| acceptance    | application_accept, application_reject, deadlines recompute         |
| supplement    | application_request_materials (一次性告知), application_supplement   |
| review        | application_approve_step, application_deny                         |
| delivery      | application_deliver (出件)                                           |
| rating        | application_rate (好差评), rectification_*, policy_set               |
"""

from yiwang.approvals.services.acceptance import (
    APP_TIMING_FIELDS,
    application_accept,
    application_deadlines_recompute,
    application_reject,
)
from yiwang.approvals.services.common import (
    add_workdays,
    policy_for,
    requirements_of,
    workdays_in,
)
from yiwang.approvals.services.delivery import application_deliver
from yiwang.approvals.services.intake import (
    IDENTITY_FIELDS,
    application_open_on_behalf,
    application_submit,
)
from yiwang.approvals.services.materials import (
    EXTENSIONS,
    HELD_FOR,
    MAGIC,
    MaterialInput,
    check_file,
    held_upload_add,
    held_uploads_discard,
    material_add,
)
from yiwang.approvals.services.rating import (
    application_rate,
    policy_set,
    rectification_close,
    rectification_follow_up,
)
from yiwang.approvals.services.review import application_approve_step, application_deny
from yiwang.approvals.services.supplement import (
    application_request_materials,
    application_supplement,
)

__all__ = [
    "APP_TIMING_FIELDS",
    "EXTENSIONS",
    "HELD_FOR",
    "IDENTITY_FIELDS",
    "MAGIC",
    "MaterialInput",
    "add_workdays",
    "application_accept",
    "application_approve_step",
    "application_deadlines_recompute",
    "application_deliver",
    "application_deny",
    "application_open_on_behalf",
    "application_rate",
    "application_reject",
    "application_request_materials",
    "application_submit",
    "application_supplement",
    "check_file",
    "held_upload_add",
    "held_uploads_discard",
    "material_add",
    "policy_for",
    "policy_set",
    "rectification_close",
    "rectification_follow_up",
    "requirements_of",
    "workdays_in",
]
