"""Every write of 综合执法, one module per use-case family (Zulip's zerver/actions/ shape)."""

from yiwang.enforcement.services.cases import (  # noqa: F401
    case_add_evidence,
    case_close,
    case_decide,
    case_decide_on_spot,
    case_end_investigation,
    case_extend,
    case_file,
    case_hold_hearing,
    case_legal_review,
    case_notify,
    case_open,
    case_record_payment,
    case_request_hearing,
    case_serve,
    late_fee,
)
from yiwang.enforcement.services.inspections import (  # noqa: F401
    inspection_plan_create,
    inspection_plan_draw,
    inspection_result_record,
)
from yiwang.enforcement.services.joint import (  # noqa: F401
    case_refer,
    case_summon,
    referral_receipt,
    summons_step,
)
from yiwang.enforcement.services.matters import (  # noqa: F401
    matter_save,
    matters_import,
    matters_to_xlsx,
)
from yiwang.enforcement.services.numbering import (  # noqa: F401
    document_issue,
    document_reissue,
    document_void,
)
from yiwang.enforcement.services.publication import (  # noqa: F401
    inspection_results_publish,
    publication_publish,
    publication_sweep,
    publication_withdraw,
)
from yiwang.enforcement.services.records import (  # noqa: F401
    case_discuss,
    case_preservation_decide,
    case_preserve,
    case_record_statement,
    case_review_statement,
    case_take_record,
)
from yiwang.enforcement.services.sweep import case_deadline_sweep  # noqa: F401
