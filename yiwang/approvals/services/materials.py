"""Materials (申请材料): the checks shared by submission and upload (format, signature, size,
免提交 reuse), one material handed in after submission (补充/补正), and the uploads held for a
corrected form (暂存材料)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F

from yiwang.approvals.catalogue import (
    Requirement,
)
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationMaterial,
    HeldUpload,
)
from yiwang.approvals.permissions import is_clerk_of, may_hand_in
from yiwang.approvals.services.common import A, S, _locked, _now, _Recorder, requirements_of
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed
from yiwang.core.workdays import local_tz

# File signatures (magic numbers) of the formats materials may take.
MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "ofd": (b"PK\x03\x04",),
}


EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png", "ofd": "ofd"}


@dataclass
class MaterialInput:
    """One material handed in: a file (`content` bytes + `filename`), a reuse of an earlier
    material (`reuse` id, 免提交), or a paper copy seen at the window (`paper`)."""

    key: str
    filename: str = ""
    content: bytes | None = None
    reuse: int | None = None
    paper: bool = False


def _requirement(requirements: list[Requirement], key: str) -> Requirement:
    for r in requirements:
        if r.key == key:
            return r
    raise ValidationFailed(
        f"该事项不需要材料“{key}”。", code=E.UNKNOWN_MATERIAL, fields={key: ["未知材料"]}
    )


def check_file(req: Requirement, filename: str, content: bytes) -> str:
    """The normalised extension of a valid file, or ValidationFailed: the extension must be one
    the material allows, the content must start with that format's signature, and the size must
    not exceed YIWANG_UPLOAD_MAX_BYTES."""
    ext = EXTENSIONS.get(filename.rsplit(".", 1)[-1].lower() if "." in filename else "", "")
    allowed = "、".join(f.upper() for f in req.formats)
    if not ext or ext not in req.formats:
        raise ValidationFailed(
            f"“{req.name}”只接受 {allowed} 格式的文件，收到的是“{filename}”。",
            code=E.WRONG_FILE_TYPE,
            fields={req.key: [f"文件类型应为 {allowed}"]},
        )
    if not content:
        raise ValidationFailed(
            f"“{req.name}”的文件是空的。", code=E.WRONG_FILE_TYPE, fields={req.key: ["空文件"]}
        )
    limit = settings.UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationFailed(
            f"“{req.name}”的文件超过 {limit // (1024 * 1024)} MB。",
            code=E.FILE_TOO_LARGE,
            fields={req.key: [f"文件不能超过 {limit} 字节"]},
        )
    if not content.startswith(MAGIC[ext]):
        raise ValidationFailed(
            f"“{req.name}”的文件内容不是 {ext.upper()} 格式（扩展名与内容不符）。",
            code=E.WRONG_FILE_TYPE,
            fields={req.key: ["文件内容与扩展名不符"]},
        )
    return ext


def _reusable_source(req: Requirement, material_id, applicant_id) -> ApplicationMaterial:
    """An earlier material of the same applicant, same key, on an approved application."""
    if not req.reusable:
        raise ValidationFailed(
            f"“{req.name}”不支持免提交，请上传。",
            code=E.NOT_REUSABLE,
            fields={req.key: ["不支持免提交"]},
        )
    source = (
        ApplicationMaterial.objects.filter(
            pk=material_id,
            key=req.key,
            application__applicant_id=applicant_id,
            application__status__in=[S.APPROVED, S.DELIVERED],
        )
        .exclude(file="")
        .first()
        if applicant_id and str(material_id).isdigit()
        else None
    )
    if source is None:
        raise ValidationFailed(
            f"找不到可复用的“{req.name}”：只能复用本人已办结事项中的同一材料。",
            code=E.NOT_REUSABLE,
            fields={req.key: ["没有可复用的材料"]},
        )
    return source


def _build_material(
    app: Application, req: Requirement, inp: MaterialInput, *, actor, now, channel
) -> ApplicationMaterial:
    """Validate one input and return an unsaved ApplicationMaterial (its file stored)."""
    base = {
        "application": app,
        "key": req.key,
        "name": req.name,
        "uploaded_by": actor,
        "uploaded_at": now,
    }
    if inp.reuse is not None:
        src = _reusable_source(req, inp.reuse, app.applicant_id)
        return ApplicationMaterial(
            **base,
            source=ApplicationMaterial.Source.REUSE,
            file=src.file.name,
            original_name=src.original_name,
            content_type=src.content_type,
            size=src.size,
            sha256=src.sha256,
            reused_from=src,
        )
    if inp.paper:
        if channel == A.Channel.ONLINE and not is_clerk_of(actor, app.street_id):
            raise ValidationFailed(
                f"网上申报须上传“{req.name}”的电子件。",
                code=E.MISSING_MATERIALS,
                fields={req.key: ["须上传电子件"]},
            )
        return ApplicationMaterial(**base, source=ApplicationMaterial.Source.PAPER)
    content = inp.content or b""
    ext = check_file(req, inp.filename or "", content)
    material = ApplicationMaterial(
        **base,
        source=ApplicationMaterial.Source.UPLOAD,
        original_name=(inp.filename or "")[:200],
        content_type=ext,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return material


def _store(material: ApplicationMaterial, content: bytes) -> None:
    day = material.uploaded_at.astimezone(local_tz())
    name = f"approvals/{day:%Y/%m}/{secrets.token_hex(12)}.{material.content_type}"
    material.file.name = default_storage.save(name, ContentFile(content))


def _collect_materials(app, requirements, inputs, *, actor, now, channel, need_all=True):
    """Validate every input (all problems of one kind at once for missing ones) and return
    unsaved materials with their contents."""
    inputs = list(inputs or [])
    seen = {}
    for inp in inputs:
        _requirement(requirements, inp.key)
        seen[inp.key] = inp
    if need_all:
        missing = [r for r in requirements if r.required and r.key not in seen]
        if missing:
            names = "、".join(r.name for r in missing)
            raise ValidationFailed(
                f"缺少必要材料：{names}。",
                code=E.MISSING_MATERIALS,
                fields={r.key: [f"请提交“{r.name}”"] for r in missing},
            )
    built = []
    for inp in seen.values():
        req = _requirement(requirements, inp.key)
        built.append((_build_material(app, req, inp, actor=actor, now=now, channel=channel), inp))
    return built


@transaction.atomic
def material_add(
    *, actor, application: Application, material: MaterialInput
) -> ApplicationMaterial:
    """Hand in one material (upload, 免提交 reuse, or paper at the window) while the application
    is submitted or waiting for materials. It replaces the earlier one of the same key."""
    app = _locked(application)
    if not may_hand_in(actor, app):
        raise Forbidden("只有申请人或综窗人员可以提交材料。", code=E.NOT_APPLICANT)
    allowed = {S.SUBMITTED, S.NEEDS_MATERIALS}
    if app.status not in allowed:
        label = dict(S.choices)[app.status]
        raise Conflict(
            f"办件当前状态为“{label}”，不能再提交材料。",
            code=E.WRONG_STATE,
            fields={"status": [app.status]},
        )
    owner = app.owner
    now = _now()
    req = _requirement(requirements_of(app), material.key)
    obj = _build_material(owner, req, material, actor=actor, now=now, channel=owner.channel)
    if material.content is not None and obj.source == ApplicationMaterial.Source.UPLOAD:
        _store(obj, material.content)
    ApplicationMaterial.objects.filter(application=owner, key=req.key, is_current=True).update(
        is_current=False
    )
    obj.save()
    A.objects.filter(pk=app.pk).update(version=F("version") + 1)
    app.version += 1
    rec = _Recorder(actor, now)
    rec.add(app, "material", f"提交材料：{req.name}", data={"key": req.key, "source": obj.source})
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.material.add",
        target=app,
        after={"key": req.key, "source": obj.source, "size": obj.size, "sha256": obj.sha256},
    )
    return obj


HELD_FOR = dt.timedelta(days=1)


@transaction.atomic
def held_upload_add(*, actor, requirement: Requirement, filename: str, content: bytes):
    """Keep a file that passed its checks on a form refused for another field, for its
    uploader only, so the corrected form needs no second upload. Holds older than a day are
    swept here (their files too)."""
    ext = check_file(requirement, filename or "", content)
    now = _now()
    _sweep_held(now - HELD_FOR)
    held = HeldUpload(
        owner=actor,
        key=requirement.key,
        original_name=(filename or "")[:200],
        content_type=ext,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=now,
    )
    name = f"approvals/held/{secrets.token_hex(12)}.{ext}"
    held.file.name = default_storage.save(name, ContentFile(content))
    held.save()
    audit_record(
        actor=actor,
        action="approvals.upload.hold",
        target=held,
        after={"key": held.key, "size": held.size, "sha256": held.sha256},
    )
    return held


@transaction.atomic
def held_uploads_discard(*, actor, uploads) -> int:
    """Drop held uploads of `actor` once the form that used them went in."""
    rows = [u for u in uploads if u.owner_id == actor.pk]
    for u in rows:
        transaction.on_commit(lambda name=u.file.name: default_storage.delete(name))
    HeldUpload.objects.filter(pk__in=[u.pk for u in rows]).delete()
    return len(rows)


def _sweep_held(before: dt.datetime) -> None:
    old = list(HeldUpload.objects.filter(created_at__lt=before).values_list("pk", "file"))
    if not old:
        return
    HeldUpload.objects.filter(pk__in=[pk for pk, _f in old]).delete()
    for _pk, name in old:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
