"""Printed papers of a case (执法文书) as PDF, rendered by WeasyPrint from HTML templates in
templates/enforcement/documents/, laid out after GB/T 9704 (A4; margins 37/26/35/28 mm; title
in 二号 bold serif, body in 三号 serif ≈ 16 pt, 28 lines a page) in Noto Serif CJK SC from
Debian's fonts-noto-cjk. The 案卷 is one PDF: cover, 卷内目录 with page numbers, every valid
document and the evidence list.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from yiwang.enforcement.models import Case, Document, DocumentKind
from yiwang.enforcement.services.cases import SIMPLE_LIMIT, hearing_threshold

AGENCY = "唯亭街道综合行政执法局"
TEMPLATE = "enforcement/documents/{kind}.html"


def _cn_date(value) -> str:
    if not value:
        return "    年  月  日"
    local = timezone.localtime(value) if hasattr(value, "tzinfo") else value
    return f"{local.year}年{local.month}月{local.day}日"


def context(case: Case, doc: Document | None, *, full_pii: bool = False) -> dict:
    """`full_pii`: the paper as served, with the party's full ID number (a 处罚决定书 on a
    masked number is not a valid paper); otherwise a masked copy marked as such."""
    return {
        "case": case,
        "doc": doc,
        "full_pii": full_pii,
        "party_id": case.party_id_number if full_pii else case.party_id_masked,
        "record": _record_of(case, doc),
        "preservation": _preservation_of(case, doc),
        "agency": AGENCY,
        "matter": case.matter,
        "officers": list(case.officers.all()),
        "evidence": list(case.evidence.all()),
        "events": list(case.events.all()),
        "issued": _cn_date(doc.issued_at if doc else timezone.now()),
        "decided": _cn_date(case.decided_at),
        "served": _cn_date(case.served_at),
        "simple_limit": SIMPLE_LIMIT[case.party_kind],
        "hearing_threshold": hearing_threshold(case.party_kind),
        "documents": [d for d in case.documents.all() if d.voided_at is None],
    }


def _ref_id(doc: Document | None, prefix: str) -> int | None:
    if doc is None or not doc.ref.startswith(prefix + ":"):
        return None
    return int(doc.ref.split(":", 1)[1])


def _record_of(case: Case, doc: Document | None):
    pk = _ref_id(doc, "record")
    return next((r for r in case.records.all() if r.pk == pk), None) if pk else None


def _preservation_of(case: Case, doc: Document | None):
    pk = _ref_id(doc, "preservation")
    return next((p for p in case.preservations.all() if p.pk == pk), None) if pk else None


def document_html(case: Case, doc: Document, *, full_pii: bool = False) -> str:
    """The body (one <section>) of one document."""
    return render_to_string(TEMPLATE.format(kind=doc.kind), context(case, doc, full_pii=full_pii))


def _pdf(sections: list[str], title: str, *, masked: bool = False) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "enforcement/documents/base.html",
        {"sections": sections, "title": title, "masked": masked},
    )
    return HTML(string=html).write_pdf()


def render_document(case: Case, doc: Document, *, full_pii: bool = False) -> bytes:
    return _pdf(
        [document_html(case, doc, full_pii=full_pii)],
        f"{case.code} {doc.get_kind_display()}",
        masked=not full_pii,
    )


def render_dossier(case: Case, *, full_pii: bool = False) -> bytes:
    """The whole case file (案卷) as one PDF with its 卷内目录."""
    docs = [d for d in case.documents.all() if d.voided_at is None]
    ctx = context(case, None, full_pii=full_pii)
    sections = [render_to_string("enforcement/documents/dossier_cover.html", ctx)]
    sections += [document_html(case, d, full_pii=full_pii) for d in docs]
    sections.append(render_to_string("enforcement/documents/evidence_list.html", ctx))
    return _pdf(sections, f"{case.code} 案卷", masked=not full_pii)


def render_inspection_result(target, doc: Document) -> bytes:
    """检查结果告知书 of one 双随机 target."""
    html = render_to_string(
        TEMPLATE.format(kind=doc.kind), {"target": target, "doc": doc, "agency": AGENCY}
    )
    return _pdf([html], f"{target.plan.name} {target.entity.name}")


KINDS = [k for k, _ in DocumentKind.choices]
