"""REST API of 综合执法 under /api/v1/enforcement/: thin views over services and selectors.

GET  matters/  matters/export.xlsx     the matter list (public), paginated / as .xlsx
POST matters/import/                   .xlsx import (multipart "file", "dry_run"), row errors
GET|POST cases/                        my agency's cases / open a case
GET  cases/<id>/                       detail: timeline, deadlines, evidence, documents
POST cases/<id>/<action>/              every step, each with "version"
POST cases/<id>/documents/             number a document {"kind"} (refused if already numbered)
GET  documents/<id>.pdf  cases/<id>/dossier.pdf      the papers (WeasyPrint)
POST documents/<id>/void/              作废 with a reason (the number is never reused)
POST summons/<id>/<acknowledge|arrive|done>/         a partner's answer
POST referrals/<id>/receipt/           移送回执
GET|POST inspection-plans/  GET inspection-plans/<id>/  POST …/draw/  POST …/results/
GET  kpis/?from=&to=
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.api import choice_list_schema, parse_bool, query_bool, query_choice
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.core.pagination import Pagination as BasePagination
from yiwang.core.parsers import JSONParser
from yiwang.core.schema import EMPTY_IS_ABSENT
from yiwang.enforcement import selectors, services
from yiwang.enforcement.models import Case, Document, Publication, Referral
from yiwang.enforcement.services.publication import publication_withdraw

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Pagination(BasePagination):
    max_page_size = 200


MAX_ID = 2**62


def _id(pk: int, what: str = "记录") -> int:
    """An id the database can hold; larger ones answer like any missing row (404)."""
    if pk > MAX_ID:
        raise NotFound(f"{what}不存在或无权查看。")
    return pk


def _dt(value):
    return value.isoformat() if value else None


def _money(value):
    return str(value) if value is not None else None


def matter_json(m) -> dict:
    return {
        "code": m.code,
        "name": m.name,
        "domain": m.domain,
        "domain_label": m.get_domain_display(),
        "violated_provision": m.violated_provision,
        "legal_basis": m.legal_basis,
        "person_fine": {"min": _money(m.person_fine_min), "max": _money(m.person_fine_max)},
        "organisation_fine": {"min": _money(m.org_fine_min), "max": _money(m.org_fine_max)},
        "warning": m.warning,
        "other_sanctions": m.other_sanctions,
        "simple_procedure": m.simple_procedure,
        "department": m.department,
        "devolved": m.devolved,
        "legal_review": m.legal_review,
        "hearing": m.hearing,
        "revision": m.revision,
    }


def document_json(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "label": d.get_kind_display(),
        "number": d.number,
        "issued_at": _dt(d.issued_at),
        "voided": d.voided_at is not None,
        "void_reason": d.void_reason,
        "url": f"/api/v1/enforcement/documents/{d.pk}.pdf",
    }


def _user_json(u):
    return {"username": u.username, "name": u.display_name or u.username} if u else None


def case_json(case: Case, *, user, detail: bool = False) -> dict:
    out = {
        "id": case.pk,
        "code": case.code,
        "procedure": case.procedure,
        "stage": case.stage,
        "stage_label": case.get_stage_display(),
        "version": case.version,
        "source": case.source,
        "matter": {
            "code": case.matter.code,
            "name": case.matter.name,
            "revision": case.matter.revision,
        },  # fmt: skip
        "party": {
            "kind": case.party_kind,
            "name": case.party_name,
            "id_number": case.party_id_masked,
            "credit_code": case.party_credit_code,
            "phone": case.party_phone_masked,
            "address": case.party_address,
            "legal_entity": case.legal_entity_id,
        },
        "facts": case.facts,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "work_order": case.work_order_id,
        "opened_at": _dt(case.opened_at),
        "outcome": case.outcome,
        "penalty": {"kind": case.penalty_kind, "amount": _money(case.fine_amount)}
        if case.penalty_kind
        else None,
        "deadlines": [selectors.deadline_json(d) for d in case.deadlines.all()],
        "sla": selectors.case_colour(case),
    }
    if detail:
        out.update(
            {
                "officers": [_user_json(u) for u in case.officers.all()],
                "proposed_penalty": {"kind": case.proposed_kind,
                                     "amount": _money(case.proposed_amount)}
                if case.proposed_kind else None,
                "hearing_offered": case.hearing_offered,
                "hearing_at": _dt(case.hearing_at),
                "late_fee": _money(case.late_fee),
                "paid_amount": _money(case.paid_amount),
                "extension_days": case.extension_days,
                "timeline": [
                    {"at": _dt(e.at), "action": e.action, "actor": e.actor_name,
                     "from": e.from_stage, "to": e.to_stage, "note": e.note, "data": e.data}
                    for e in case.events.all()
                ],
                "evidence": [
                    {"number": e.number, "kind": e.kind, "kind_label": e.get_kind_display(),
                     "title": e.title, "sha256": e.sha256, "captured_at": _dt(e.captured_at),
                     "place": e.place, "file": bool(e.file)}
                    for e in case.evidence.all()
                ],
                "documents": [document_json(d) for d in case.documents.all()],
                "summons": [
                    {"id": s.pk, "partner": s.partner.name, "kind": s.kind, "status": s.status,
                     "arrive_by": _dt(s.arrive_by), "arrived_at": _dt(s.arrived_at),
                     "version": s.version}
                    for s in case.summons.all()
                ],
                "referrals": [
                    {"id": r.pk, "authority": r.authority, "receipt_due": _dt(r.receipt_due),
                     "received_at": _dt(r.received_at)}
                    for r in case.referrals.all()
                ],
                "records": [
                    {"id": r.pk, "kind": r.kind, "subject": r.subject_name,
                     "role": r.subject_role, "place": r.place,
                     "started_at": _dt(r.started_at), "ended_at": _dt(r.ended_at),
                     "officers": [u.username for u in r.officers.all()]}
                    for r in case.records.all()
                ],
                "preservations": [
                    {"id": p.pk, "items": p.items, "approver": p.approver,
                     "saved_at": _dt(p.saved_at), "due": _dt(p.due), "decision": p.decision,
                     "decided_at": _dt(p.decided_at)}
                    for p in case.preservations.all()
                ],
                "statements": [
                    {"id": st.pk, "speaker": st.speaker, "method": st.method,
                     "content": st.content, "received_at": _dt(st.received_at),
                     "conclusion": st.conclusion, "review": st.review,
                     "reviewed_at": _dt(st.reviewed_at)}
                    for st in case.statements.all()
                ],
                "discussions": [
                    {"id": dd.pk, "held_at": _dt(dd.held_at), "chair": dd.chair,
                     "participants": dd.participants, "conclusion": dd.conclusion}
                    for dd in case.discussions.all()
                ],
                "publications": [
                    {"id": pb.pk, "due": _dt(pb.due), "published_at": _dt(pb.published_at),
                     "late": pb.late or bool(pb.late_flagged_at and not pb.published_at),
                     "withdrawn": pb.withdrawn_at is not None}
                    for pb in case.publications.all()
                ],
                "actions": selectors.case_actions(user=user, case=case),
            }
        )  # fmt: skip
    return out


# --- matters --------------------------------------------------------------------------------


class MatterListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="enforcement_matters_list",
        responses=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("domain", str), OpenApiParameter("q", str)],
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.matter_list(filters=request.query_params), request, view=self
        )
        return paginator.get_paginated_response([matter_json(m) for m in page])


def _require_admin(user):
    if not (user.is_authenticated and (user.is_superuser or user.has_role("admin"))):
        raise Forbidden("只有系统管理员可以维护执法事项清单。")


class MatterExportView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="enforcement_matters_export", responses={(200, XLSX): OpenApiTypes.BINARY}
    )
    def get(self, request):
        content = services.matters_to_xlsx(selectors.matter_list(filters=request.query_params))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enforcement-matters.xlsx"'
        return response


MATTER_IMPORT_REQUEST = {
    "multipart/form-data": inline_serializer(
        "EnforcementMatterImport",
        {"file": serializers.FileField(), "dry_run": serializers.BooleanField(required=False)},
    )
}


class MatterImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="enforcement_matters_import", request=MATTER_IMPORT_REQUEST,
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request):
        _require_admin(request.user)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("请上传 .xlsx 文件。", fields={"file": ["必填"]})
        result = services.matters_import(
            actor=request.user, content=upload.read(),
            dry_run=parse_bool(request.data.get("dry_run", "")),
        )  # fmt: skip
        return Response(result)


# --- cases ----------------------------------------------------------------------------------


class CaseListView(APIView):
    @extend_schema(operation_id="enforcement_cases_list", responses=OpenApiTypes.OBJECT,
                   parameters=[OpenApiParameter("stage", choice_list_schema(Case.Stage.values),
                                               description="阶段，可逗号分隔多个"),
                               OpenApiParameter("procedure", str, enum=["", *Case.Procedure.values],
                                                description="程序；空为不限"),
                               OpenApiParameter("open", bool)])  # fmt: skip
    def get(self, request):
        paginator = Pagination()
        params = request.query_params
        filters = {
            "stage": query_choice(params, "stage", Case.Stage.values, many=True),
            "procedure": query_choice(params, "procedure", Case.Procedure.values),
            "open": "1" if query_bool(params, "open") else "",
        }
        qs = selectors.case_list(user=request.user, filters=filters)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([case_json(c, user=request.user) for c in page])

    @extend_schema(operation_id="enforcement_cases_open", request=OpenApiTypes.OBJECT,
                   responses={201: OpenApiTypes.OBJECT})  # fmt: skip
    def post(self, request):
        d = request.data
        if not isinstance(d, dict):
            raise ValidationFailed("请求内容应为 JSON 对象。")
        case = services.case_open(
            actor=request.user, procedure=d.get("procedure"), matter=d.get("matter"),
            party=d.get("party"), facts=d.get("facts"), lon=d.get("lon"), lat=d.get("lat"),
            address=d.get("address") or "", work_order=d.get("work_order"),
            source=d.get("source"),
        )  # fmt: skip
        case = selectors.case_get(user=request.user, id=case.pk)
        return Response(case_json(case, user=request.user, detail=True), status=201)


class CaseDetailView(APIView):
    @extend_schema(operation_id="enforcement_cases_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        case = selectors.case_get(user=request.user, id=pk)
        return Response(case_json(case, user=request.user, detail=True))


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("编号应为整数。", fields={"id": ["应为整数"]})
    if not 0 < number <= MAX_ID:
        raise ValidationFailed("编号不正确。", fields={"id": ["不正确"]})
    return number


def _publish_case(user, case: Case):
    from yiwang.enforcement.services.cases import _require_case_officer

    _require_case_officer(user, case)
    pub = case.publications.filter(published_at__isnull=True).first()
    if pub is None:
        from yiwang.enforcement.errors import EnforcementErrorCode as E

        raise Conflict("本案没有待公开的行政处罚决定。", code=E.PUBLICATION)
    return services.publication_publish(actor=user, publication=pub)


def run_action(action: str, user, case: Case, d, files=None):
    """One step of the case (shared by the API and the pages)."""
    common = {"actor": user, "case": case, "version": d.get("version")}
    steps = {
        "decide_on_spot": lambda: services.case_decide_on_spot(
            **common, penalty=d.get("penalty"), note=d.get("note") or ""),
        "file": lambda: services.case_file(**common, officers=d.get("officers"),
                                           note=d.get("note") or ""),
        "add_evidence": lambda: services.case_add_evidence(
            **common, kind=d.get("kind"), title=d.get("title"), place=d.get("place"),
            captured_at=d.get("captured_at"), description=d.get("description") or "",
            file=(files or {}).get("file")),
        "end_investigation": lambda: services.case_end_investigation(
            **common, note=d.get("note") or ""),
        "notify": lambda: services.case_notify(**common, penalty=d.get("penalty"),
                                               note=d.get("note") or ""),
        "request_hearing": lambda: services.case_request_hearing(
            **common, hearing_at=d.get("hearing_at"), requested_at=d.get("requested_at")),
        "hold_hearing": lambda: services.case_hold_hearing(
            **common, chair=d.get("chair"), record_text=d.get("record"),
            held_at=d.get("held_at")),
        "legal_review": lambda: services.case_legal_review(**common, opinion=d.get("opinion")),
        "decide": lambda: services.case_decide(
            **common, outcome=d.get("outcome"), penalty=d.get("penalty"),
            reason=d.get("reason") or "", waived=parse_bool(d.get("waived", ""))),
        "extend": lambda: services.case_extend(**common, days=d.get("days"),
                                               reason=d.get("reason"), approver=d.get("approver")),
        "serve": lambda: services.case_serve(**common, method=d.get("method") or "直接送达",
                                             served_at=d.get("served_at")),
        "record_payment": lambda: services.case_record_payment(
            **common, amount=d.get("amount"), paid_at=d.get("paid_at"),
            on_spot=parse_bool(d.get("on_spot", ""))),
        "close": lambda: services.case_close(**common, summary=d.get("summary") or ""),
        "refer": lambda: services.case_refer(**common, authority=d.get("authority"),
                                             reason=d.get("reason")),
        "take_record": lambda: services.case_take_record(
            **common, kind=d.get("kind"), started_at=d.get("started_at"),
            ended_at=d.get("ended_at"), place=d.get("place"),
            subject_name=d.get("subject_name"), subject_role=d.get("subject_role"),
            subject_id_number=d.get("subject_id_number") or "", content=d.get("content"),
            officers=d.get("officers")),
        "preserve": lambda: services.case_preserve(
            **common, items=d.get("items"), place=d.get("place"), reason=d.get("reason"),
            approver=d.get("approver"), saved_at=d.get("saved_at")),
        "preservation_decide": lambda: services.case_preservation_decide(
            **common, preservation=_int(d.get("preservation")), decision=d.get("decision"),
            note=d.get("note") or ""),
        "statement": lambda: services.case_record_statement(
            **common, speaker=d.get("speaker"), content=d.get("content"),
            method=d.get("method") or "书面", received_at=d.get("received_at")),
        "review_statement": lambda: services.case_review_statement(
            **common, statement=_int(d.get("statement")), conclusion=d.get("conclusion"),
            review=d.get("review")),
        "discuss": lambda: services.case_discuss(
            **common, chair=d.get("chair"), participants=d.get("participants"),
            record_text=d.get("record"), conclusion=d.get("conclusion"),
            held_at=d.get("held_at")),
        "publish": lambda: _publish_case(user, case),
        "summon": lambda: services.case_summon(
            **common, partners=d.get("partners"), minutes=d.get("minutes"),
            hours=d.get("hours"), note=d.get("note") or "", kind=d.get("kind") or "summon"),
    }  # fmt: skip
    if action not in steps:
        raise NotFound(f"未知步骤 {action}；可用：{', '.join(steps)}。")
    return steps[action]()


ACTIONS = list(selectors.ACTION_LABELS)


class CaseActionView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # ours: bounded, objects only

    @extend_schema(operation_id="enforcement_cases_action", request=OpenApiTypes.OBJECT,
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH,
                                                enum=ACTIONS)],
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk, action):
        from yiwang.enforcement.services.common import require_officer

        if action not in ACTIONS:
            raise NotFound(f"未知步骤 {action}；可用：{', '.join(ACTIONS)}。")
        case = selectors.case_get(user=request.user, id=pk)
        # Every step is an officer's of the case's agency (Art. 42): who is not one is refused
        # (403) before the body is read, so a refusal never depends on what was sent.
        require_officer(request.user, case.department)
        data = request.data if hasattr(request.data, "get") else {}
        if not hasattr(request.data, "get"):
            raise ValidationFailed("请求内容应为 JSON 对象。")
        run_action(action, request.user, case, data, request.FILES)
        case = selectors.case_get(user=request.user, id=pk)
        return Response(case_json(case, user=request.user, detail=True))


class CaseDocumentIssueView(APIView):
    @extend_schema(operation_id="enforcement_cases_document", request=OpenApiTypes.OBJECT,
                   responses={201: OpenApiTypes.OBJECT})  # fmt: skip
    def post(self, request, pk):
        from yiwang.enforcement.services.common import require_officer

        case = selectors.case_get(user=request.user, id=pk)
        require_officer(request.user, case.department)
        doc = services.document_issue(actor=request.user, case=case, kind=request.data.get("kind"))
        return Response(document_json(doc), status=201)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


class DocumentPdfView(APIView):
    @extend_schema(operation_id="enforcement_documents_pdf", responses=OpenApiTypes.BINARY)
    def get(self, request, pk):
        from yiwang.enforcement import documents

        doc = (
            Document.objects.filter(pk=_id(pk, "文书")).select_related("inspection_target").first()
        )
        if doc is not None and doc.inspection_target_id:
            plan = selectors.plan_get(user=request.user, id=doc.inspection_target.plan_id)
            target = next(t for t in plan.targets.all() if t.pk == doc.inspection_target_id)
            return _pdf(documents.render_inspection_result(target, doc), f"{doc.kind}.pdf")
        if doc is None or doc.case_id is None:
            raise NotFound("文书不存在或无权查看。")
        case = selectors.case_get(user=request.user, id=doc.case_id)
        full = _full_pii(request.user, case, doc.get_kind_display(), [doc.number or doc.kind])
        content = documents.render_document(case, doc, full_pii=full)
        return _pdf(content, f"{case.code}-{doc.kind}.pdf")


def _full_pii(user, case: Case, paper: str, numbers: list[str]) -> bool:
    """Papers carry the party's full ID number only for the case's officers and reviewers,
    and every such rendering is audited (who, which case, which paper)."""
    if not selectors.may_print_personal_data(user, case):
        return False
    if case.party_id_number or any(r.subject_id_number for r in case.records.all()):
        from yiwang.enforcement.services.numbering import paper_print_record

        paper_print_record(actor=user, case=case, paper=paper, documents=numbers)
    return True


class DossierPdfView(APIView):
    @extend_schema(operation_id="enforcement_cases_dossier", responses=OpenApiTypes.BINARY)
    def get(self, request, pk):
        from yiwang.enforcement import documents

        case = selectors.case_get(user=request.user, id=pk)
        numbers = [d.number or d.kind for d in case.documents.all() if d.voided_at is None]
        full = _full_pii(request.user, case, "案卷", numbers)
        content = documents.render_dossier(case, full_pii=full)
        return _pdf(content, f"{case.code}-dossier.pdf")


class DocumentVoidView(APIView):
    @extend_schema(operation_id="enforcement_documents_void", request=OpenApiTypes.OBJECT,
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk):
        from yiwang.enforcement.services.common import require_officer

        doc = Document.objects.filter(pk=_id(pk, "文书"), case__isnull=False).first()
        if doc is None:
            raise NotFound("文书不存在或无权查看。")
        case = selectors.case_get(user=request.user, id=doc.case_id)
        require_officer(request.user, case.department)
        doc = services.document_void(actor=request.user, document=doc,
                                     reason=request.data.get("reason"))  # fmt: skip
        return Response(document_json(doc))


class SummonsActionView(APIView):
    @extend_schema(operation_id="enforcement_summons_action", request=OpenApiTypes.OBJECT,
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH,
                                                enum=["acknowledge", "arrive", "done"])],
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk, action):
        summons = selectors.summons_received(user=request.user).filter(pk=_id(pk, "召集")).first()
        if summons is None:
            raise NotFound("召集不存在或无权查看。")
        summons = services.summons_step(
            actor=request.user, summons=summons, version=request.data.get("version"),
            action=action, note=request.data.get("note") or "",
        )  # fmt: skip
        return Response({"id": summons.pk, "status": summons.status, "version": summons.version})


class ReferralReceiptView(APIView):
    @extend_schema(operation_id="enforcement_referral_receipt", request=OpenApiTypes.OBJECT,
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk):
        referral = Referral.objects.filter(pk=_id(pk, "移送记录")).first()
        if referral is None:
            raise NotFound("移送记录不存在或无权查看。")
        selectors.case_get(user=request.user, id=referral.case_id)
        referral = services.referral_receipt(actor=request.user, referral=referral,
                                             note=request.data.get("note") or "")  # fmt: skip
        return Response({"id": referral.pk, "received_at": _dt(referral.received_at)})


# --- 双随机一公开 -----------------------------------------------------------------------------


def plan_json(plan, *, detail: bool = False) -> dict:
    out = {
        "id": plan.pk,
        "name": plan.name,
        "status": plan.status,
        "version": plan.version,
        "matters": [m.code for m in plan.matters.all()],
        "population": {k: v for k, v in plan.population_filter.items() if k != "inspectors"},
        "count": plan.count,
        "ratio": str(plan.ratio) if plan.ratio is not None else None,
        "inspectors_per_target": plan.inspectors_per_target,
        "seed": plan.seed,
        "population_size": plan.population_size,
        "population_hash": plan.population_hash,
        "pool_hash": plan.pool_hash,
        "drawn_at": _dt(plan.drawn_at),
    }
    if detail and plan.status != "draft":
        docs: dict = {}
        for d in Document.objects.filter(inspection_target__plan=plan, voided_at__isnull=True):
            docs.setdefault(d.inspection_target_id, []).append(d)
        for t in plan.targets.all():
            t.result_documents = docs.get(t.pk, [])
        out["targets"] = [
            {"id": t.pk, "entity": {"id": t.entity.pk, "name": t.entity.name,
                                    "credit_code": t.entity.uscc},
             "inspectors": [_user_json(u) for u in t.inspectors.order_by("username")],
             "result": t.result, "note": t.result_note, "case": t.case_id,
             "documents": [document_json(d) for d in t.result_documents]}
            for t in plan.targets.all()
        ]  # fmt: skip
        out["excluded"] = plan.excluded
    return out


class PlanListView(APIView):
    @extend_schema(operation_id="enforcement_plans_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.plan_list(user=request.user), request, self)
        return paginator.get_paginated_response([plan_json(p) for p in page])

    @extend_schema(operation_id="enforcement_plans_create", request=OpenApiTypes.OBJECT,
                   responses={201: OpenApiTypes.OBJECT})  # fmt: skip
    def post(self, request):
        d = request.data
        plan = services.inspection_plan_create(
            actor=request.user, name=d.get("name"), matters=d.get("matters"),
            population=d.get("population"), count=d.get("count"), ratio=d.get("ratio"),
            inspectors_per_target=d.get("inspectors_per_target", 2),
            yearly_cap=d.get("yearly_cap", 2), inspectors=d.get("inspectors"),
        )  # fmt: skip
        return Response(plan_json(plan, detail=True), status=201)


class PlanDetailView(APIView):
    @extend_schema(operation_id="enforcement_plans_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(plan_json(selectors.plan_get(user=request.user, id=pk), detail=True))


class PlanDrawView(APIView):
    @extend_schema(operation_id="enforcement_plans_draw", request=OpenApiTypes.OBJECT,
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk):
        plan = selectors.plan_get(user=request.user, id=pk)
        services.inspection_plan_draw(actor=request.user, plan=plan,
                                      version=request.data.get("version", plan.version),
                                      seed=request.data.get("seed"))  # fmt: skip
        return Response(plan_json(selectors.plan_get(user=request.user, id=pk), detail=True))


class PlanResultView(APIView):
    @extend_schema(operation_id="enforcement_plans_result", request=OpenApiTypes.OBJECT,
                   responses=OpenApiTypes.OBJECT)  # fmt: skip
    def post(self, request, pk):
        plan = selectors.plan_get(user=request.user, id=pk)
        d = request.data
        services.inspection_result_record(
            actor=request.user, plan=plan, target_id=d.get("target"), result=d.get("result"),
            note=d.get("note") or "", open_case=parse_bool(d.get("open_case", "")),
            matter=d.get("matter"),
        )  # fmt: skip
        return Response(plan_json(selectors.plan_get(user=request.user, id=pk), detail=True))


class KpiView(APIView):
    @extend_schema(
        operation_id="enforcement_kpis",
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, extensions=EMPTY_IS_ABSENT),
            OpenApiParameter("to", OpenApiTypes.DATE, extensions=EMPTY_IS_ABSENT),
        ],
    )
    def get(self, request):
        return Response(
            selectors.case_kpis(
                user=request.user,
                date_from=request.query_params.get("from"),
                date_to=request.query_params.get("to"),
            )
        )


# --- 公开的撤回 (行政处罚法 Art. 48 ¶2) ---------------------------------------------------


def publication_json(pub: Publication) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": pub.pk,
        "case": pub.case_id,
        "title": pub.title,
        "published_at": iso(pub.published_at),
        "withdrawn": pub.withdrawn_at is not None,
        "withdrawn_at": iso(pub.withdrawn_at),
        "withdraw_reason": pub.withdraw_reason,
    }


PUBLICATION = inline_serializer(
    "EnforcementPublication",
    {
        "id": serializers.IntegerField(),
        "case": serializers.IntegerField(),
        "title": serializers.CharField(),
        "published_at": serializers.DateTimeField(allow_null=True),
        "withdrawn": serializers.BooleanField(),
        "withdrawn_at": serializers.DateTimeField(allow_null=True),
        "withdraw_reason": serializers.CharField(allow_blank=True),
    },
)


class PublicationWithdrawView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="enforcement_publications_withdraw",
        request=inline_serializer(
            "EnforcementPublicationWithdraw",
            {"reason": serializers.CharField(max_length=200, help_text="撤回理由（必填）")},
        ),
        responses={200: PUBLICATION},
    )
    def post(self, request, pk):
        pub = selectors.case_publication(user=request.user, id=pk)
        if not hasattr(request.data, "get"):
            raise ValidationFailed("请求内容应为 JSON 对象。")
        pub = publication_withdraw(
            actor=request.user, publication=pub, reason=request.data.get("reason")
        )
        return Response(publication_json(pub))
