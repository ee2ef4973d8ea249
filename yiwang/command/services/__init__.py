"""Every write of the command center, one module per use-case family (Zulip's actions/):

- broadcast.py   工作布置: task_create, task_assignment_confirm, task_assignment_report
- incidents.py   应急处置: incident_raise, incident_ack, incident_close, incident_escalation_sweep
- assessment.py  考核: assessment_scheme_set, assessment_month_store (存档); the worker's
                 monthly and weekly jobs
"""

from yiwang.command.services.assessment import (
    assessment_compute_month,
    assessment_month_store,
    assessment_scheme_set,
    weekly_report_notify,
)
from yiwang.command.services.broadcast import (
    task_assignment_confirm,
    task_assignment_report,
    task_create,
)
from yiwang.command.services.incidents import (
    incident_ack,
    incident_apply_plan,
    incident_close,
    incident_escalation_sweep,
    incident_raise,
)

__all__ = [
    "assessment_compute_month",
    "assessment_month_store",
    "assessment_scheme_set",
    "incident_ack",
    "incident_apply_plan",
    "incident_close",
    "incident_escalation_sweep",
    "incident_raise",
    "task_assignment_confirm",
    "task_assignment_report",
    "task_create",
    "weekly_report_notify",
]
