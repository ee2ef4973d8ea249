"""Every write on work orders (四单工作法): one function per action.

Each action function is `<noun>_<verb>(*, actor, order, version, ...)`, runs in ONE transaction
and, in this order:

1. locks the order row (`SELECT … FOR UPDATE`; on SQLite the IMMEDIATE transaction already
   holds the write lock) through the actor's data scope — an order the actor may not see is
   `NotFound` (404), the same answer as a missing one;
2. checks role and department → `Forbidden` (403);
3. checks the client's `version` → `StaleVersion` (409, code `stale_version`);
4. checks the state with the FSM transition → `Conflict` (409, code `invalid_state`);
5. validates the input → `ValidationFailed` (400, Chinese message, `fields`);
6. calls exactly one FSM transition, saves with compare-and-set on `version`
   (`UPDATE … WHERE id = ? AND version = ?`), and writes one `WorkOrderEvent` (the order's
   timeline) and one `core.AuditEvent` (the system audit log) in the same transaction.

Anything that fails rolls the whole action back: nothing is half-written. Photo files are
validated before any write (a file stored for a transaction that later rolls back stays as an
orphan in MEDIA_ROOT; the database never points at a missing file).

`actor=None` means the system (automatic dispatch, SLA sweep, imports): no data-scope check.

Decisions worth knowing (see also README「工单」):
- Intake (`work_order_create`) is one use case with an automatic routing step: it writes two
  timeline events (`report` → submitted, then `dispatch` or `triage` by the system) and ONE
  audit row (`workorder.report`, whose `after` shows the routing). Every other action writes
  one event and one audit row.
- 吹哨: the primary department may complete while cooperating sub-tasks are still open; the
  result carries a warning and the completion event records the open sub-tasks; verification
  (结案) closes whatever is still open.
- A rule change never touches orders: an order keeps the rule version it was dispatched under.
- The SLA sweep does not bump `version` (it changes no field a person edits).

The package has one module per use-case family; this module re-exports every name callers
used when it was one file (`from yiwang.workorders import services as sv; sv.work_order_accept`).
"""

from yiwang.core.errors import ServiceError
from yiwang.workorders.services.access import (
    WORKING_ROLES,
    may_rate,
    may_reveal_reporter,
    reporter_phone,
    work_order_reporter_reveal,
    works_the_loop,
)
from yiwang.workorders.services.assist import (
    assist_task_accept,
    assist_task_complete,
    work_order_assist,
)
from yiwang.workorders.services.closing import (
    work_order_complete,
    work_order_resolve_on_spot,
    work_order_verify,
)
from yiwang.workorders.services.common import (
    AUDIT_FIELDS,
    DEADLINE_FIELDS,
    DISPATCH_FIELDS,
    EARLIEST_TIME,
    LATEST_TIME,
    NOTE_MAX,
    PHOTO_FORMATS,
    PHOTOS_MAX,
    REOPEN_FIELDS,
    REPORTED_AT_SKEW,
    STAFF_ROLES,
    YELLOW_FRACTION,
    Action,
    S,
    compute_deadline,
    find_rule,
    validate_photos,
)
from yiwang.workorders.services.common import _evidence as _evidence
from yiwang.workorders.services.common import _is_dispatcher as _is_dispatcher
from yiwang.workorders.services.common import _is_grid_worker_of as _is_grid_worker_of
from yiwang.workorders.services.common import _is_staff_of as _is_staff_of
from yiwang.workorders.services.common import _lock_order as _lock_order
from yiwang.workorders.services.common import _text as _text
from yiwang.workorders.services.dispatch import (
    work_order_dispatch,
    work_order_merge,
    work_order_reopen,
    work_order_supervise,
)
from yiwang.workorders.services.extensions import (
    work_order_deadlines_recompute,
    work_order_extend_decide,
    work_order_extend_request,
)
from yiwang.workorders.services.handling import (
    work_order_accept,
    work_order_cancel,
    work_order_return,
)
from yiwang.workorders.services.rating import work_order_rate
from yiwang.workorders.services.reporting import (
    TRIAGE_REASONS,
    refuse_outside_street,
    work_order_create,
)
from yiwang.workorders.services.reporting import _default_region_code as _default_region_code
from yiwang.workorders.services.rules import responsibility_rule_save
from yiwang.workorders.services.sla import _sweep_mark as _sweep_mark
from yiwang.workorders.services.sla import work_order_sla_sweep
from yiwang.workorders.services.support import work_order_support

__all__ = [
    "AUDIT_FIELDS",
    "Action",
    "DEADLINE_FIELDS",
    "DISPATCH_FIELDS",
    "EARLIEST_TIME",
    "LATEST_TIME",
    "NOTE_MAX",
    "PHOTOS_MAX",
    "PHOTO_FORMATS",
    "REOPEN_FIELDS",
    "REPORTED_AT_SKEW",
    "S",
    "STAFF_ROLES",
    "ServiceError",
    "TRIAGE_REASONS",
    "WORKING_ROLES",
    "YELLOW_FRACTION",
    "assist_task_accept",
    "assist_task_complete",
    "compute_deadline",
    "find_rule",
    "may_rate",
    "may_reveal_reporter",
    "refuse_outside_street",
    "reporter_phone",
    "responsibility_rule_save",
    "validate_photos",
    "work_order_accept",
    "work_order_assist",
    "work_order_cancel",
    "work_order_complete",
    "work_order_create",
    "work_order_deadlines_recompute",
    "work_order_dispatch",
    "work_order_extend_decide",
    "work_order_extend_request",
    "work_order_merge",
    "work_order_rate",
    "work_order_reopen",
    "work_order_reporter_reveal",
    "work_order_resolve_on_spot",
    "work_order_return",
    "work_order_sla_sweep",
    "work_order_supervise",
    "work_order_support",
    "work_order_verify",
    "works_the_loop",
]
