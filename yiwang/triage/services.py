"""Writes of 智能分拣 (smart triage): installing a classifier model (分拣模型), retraining it
from the platform's own archived orders (重新训练), and recording a dispatcher's correction of
the machine's category (坐席纠正). Each write is one transaction with one core.AuditEvent.

A model's labels must name active categories — by code, or by the exact name of exactly one
category (the 12345 big classes 城乡建设, 环境保护 … match the tipdm messages' labels); the model
row stores the codes. Only small classes can be auto-dispatched (see workorders/intake.py): a
model of big classes only suggests.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections import Counter
from pathlib import Path

from django.db import transaction

from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.triage import intake
from yiwang.triage.classifier import ModelFormatError, TextClassifier, has_chinese
from yiwang.triage.errors import TriageErrorCode as Code
from yiwang.triage.models import CategoryCorrection, ClassifierModel

HOLDOUT = 0.2  # share of the examples held out to compare the new model with the active one
MIN_PER_CLASS = 5  # categories with fewer examples are left out of a retrain
MIN_EXAMPLES = 20
_ANY = object()


def _finite(metrics: dict) -> dict:
    """JSON-safe metrics: NaN/inf (e.g. precision with nothing auto-dispatched) become None."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in metrics.items()
    }


def labels_to_codes(labels) -> dict[str, str]:
    """Each classifier label → an active category code: the code itself, or the exact name of
    exactly one active category. ValidationFailed naming every label that matches none."""
    from yiwang.workorders.models import Category

    rows = list(Category.objects.filter(is_active=True).values_list("code", "name"))
    codes = {code for code, _ in rows}
    names = Counter(name for _, name in rows)
    code_of_name = {name: code for code, name in rows}
    out, unknown, ambiguous = {}, [], []
    for label in labels:
        if label in codes:
            out[label] = label
        elif names[label] == 1:
            out[label] = code_of_name[label]
        elif names[label] > 1:
            ambiguous.append(label)
        else:
            unknown.append(label)
    if unknown or ambiguous:
        parts = []
        if unknown:
            parts.append(f"不是启用的事项分类编码或名称：{'、'.join(unknown)}")
        if ambiguous:
            parts.append(f"名称对应多个分类，请改用编码：{'、'.join(ambiguous)}")
        raise ValidationFailed(
            f"标签无法对应到事项分类（{'；'.join(parts)}），未保存。",
            code=Code.UNKNOWN_LABELS,
            fields={"labels": unknown + ambiguous},
        )
    return out


def model_to_bytes(model: TextClassifier) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        model.save(path)
        return path.read_bytes()


def read_model(data: bytes, name: str) -> TextClassifier:
    """A classifier from model-file bytes; ValidationFailed (code bad_model) when it is not one."""
    try:
        return intake.model_from_bytes(data, name)
    except ModelFormatError as exc:
        raise ValidationFailed(str(exc), code=Code.BAD_MODEL)


@transaction.atomic
def classifier_model_install(
    *,
    actor,
    data: bytes,
    source: str,
    source_note: str = "",
    metrics: dict | None = None,
    replacing=_ANY,
    note: str = "",
) -> ClassifierModel:
    """Store a model file (its .npz bytes) and make it the active 分拣模型, with its labels as
    category codes, the auto-dispatch threshold chosen on its validation folds, and metrics.

    `replacing`: the id (or None) of the model that must still be active — a retrain compared
    its candidate with that one (409 `active_model_changed` otherwise).
    """
    model = read_model(data, source_note or "模型文件")
    codes = labels_to_codes(model.classes_)
    previous = ClassifierModel.objects.select_for_update().filter(is_active=True).first()
    if replacing is not _ANY and (previous.pk if previous else None) != replacing:
        raise Conflict("重新训练期间启用的分拣模型已变更，请重试。", code=Code.ACTIVE_MODEL_CHANGED)
    info = model.info_
    stored_metrics = {
        key: info.get(key)
        for key in ("oof_accuracy", "oof_auto_coverage", "oof_auto_precision", "oof_ece")
    }
    stored_metrics.update(metrics or {})
    if previous is not None:
        ClassifierModel.objects.filter(pk=previous.pk).update(is_active=False)
    row = ClassifierModel.objects.create(
        created_by=acting_user(actor),
        source=source,
        source_note=source_note[:300],
        n_train=info.get("n_train", 0),
        labels=[codes[label] for label in model.classes_],
        threshold=model.threshold_,
        metrics=_finite(stored_metrics),
        blob=bytes(data),
        sha256=hashlib.sha256(data).hexdigest(),
        is_active=True,
    )
    audit_record(
        actor=actor,
        action="triage.model_install",
        target=row,
        before={"active_model": previous.pk if previous else None},
        after={"active_model": row.pk, "labels": row.labels, "threshold": row.threshold,
               "metrics": row.metrics},
        note=note or f"启用分拣模型（{row.get_source_display()}）",
    )  # fmt: skip
    intake.invalidate()  # this thread (and this transaction) sees the new model at once,
    transaction.on_commit(intake.invalidate)  # the process's other threads after the commit
    return row


def training_examples() -> tuple[list[str], list[str]]:
    """(texts, category codes) to learn from: each archived order's description with its final
    small class; for orders not archived, the latest dispatcher correction. Sorted, so that a
    retrain depends on the examples only, not on the order the database returns them in."""
    from yiwang.workorders.models import WorkOrder

    by_order = {}
    corrections = CategoryCorrection.objects.filter(chosen__is_active=True).order_by("at", "id")
    for pk, text, code in corrections.values_list("order_id", "text", "chosen__code"):
        by_order[pk] = (text, code)
    archived = WorkOrder.objects.filter(
        status=WorkOrder.Status.ARCHIVED, category__parent__isnull=False, category__is_active=True
    )
    for pk, text, code in archived.values_list("pk", "description", "category__code"):
        by_order[pk] = (text, code)
    pairs = sorted((text, code) for text, code in by_order.values() if has_chinese(text))
    return [t for t, _ in pairs], [c for _, c in pairs]


def _scores(model: TextClassifier, codes: dict, texts, truth) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    predicted = [codes.get(label, label) for label in model.predict(texts)]
    labels = sorted(set(truth))
    return {
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro")),
        "accuracy": float(accuracy_score(truth, predicted)),
    }


def classifier_retrain(*, actor, holdout: float = HOLDOUT, seed: int = 0) -> dict:
    """重新训练: learn from archived orders and corrections, hold out a stratified slice, score
    the new model and the active one on that same slice, and swap in the new one only if its
    macro-F1 is not lower. Training runs outside any transaction; the install (or the record
    that the active model was kept) is one transaction with its audit row.

    Returns {"n_examples", "n_train", "n_holdout", "classes", "left_out", "new", "active",
    "swapped", "model"}; ValidationFailed (too_few_examples) when there is too little to learn.
    """
    from sklearn.model_selection import train_test_split

    texts, labels = training_examples()
    counts = Counter(labels)
    left_out = {code: n for code, n in counts.items() if n < MIN_PER_CLASS}
    keep = [i for i, code in enumerate(labels) if code not in left_out]
    classes = sorted(set(counts) - set(left_out))
    if len(classes) < 2 or len(keep) < MIN_EXAMPLES:
        raise ValidationFailed(
            f"可用于训练的已结案工单太少：{len(keep)} 条、{len(classes)} 个分类"
            f"（每个分类至少 {MIN_PER_CLASS} 条，至少 2 个分类、共 {MIN_EXAMPLES} 条）。",
            code=Code.TOO_FEW_EXAMPLES,
        )
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    train_x, test_x, train_y, test_y = train_test_split(
        texts,
        labels,
        test_size=max(holdout, len(classes) / len(labels)),
        stratify=labels,
        random_state=seed,
    )
    new_model = TextClassifier(random_state=seed).fit(train_x, train_y)
    new = _scores(new_model, {}, test_x, test_y)
    active = ClassifierModel.objects.filter(is_active=True).values_list("pk", flat=True).first()
    current = None
    if active is not None:
        try:
            loaded = intake.load_stored(active)
            current = {"id": active, **_scores(loaded.model, loaded.codes, test_x, test_y)}
        except ModelFormatError as exc:
            current = {"id": active, "macro_f1": None, "accuracy": None, "error": str(exc)}
    old_f1 = current["macro_f1"] if current else None
    swapped = old_f1 is None or new["macro_f1"] >= old_f1
    result = {
        "n_examples": len(texts),
        "n_train": len(train_x),
        "n_holdout": len(test_x),
        "classes": len(classes),
        "left_out": left_out,
        "new": new,
        "active": current,
        "swapped": swapped,
        "model": None,
    }
    note = f"重新训练：新模型 macro-F1 {new['macro_f1']:.4f}，" + (
        "原无可用模型" if old_f1 is None else f"原模型 {old_f1:.4f}"
    )
    if swapped:
        row = classifier_model_install(
            actor=actor,
            data=model_to_bytes(new_model),
            source=ClassifierModel.Source.ARCHIVED,
            source_note=f"已结案工单与坐席纠正 {len(texts)} 条（留出 {len(test_x)} 条比较）",
            metrics={"holdout_macro_f1": new["macro_f1"], "holdout_accuracy": new["accuracy"]},
            replacing=active,
            note=note + "，已替换",
        )
        result["model"] = row.pk
    else:
        _record_kept(actor=actor, result=result, note=note + "，新模型较差，保留原模型")
    return result


@transaction.atomic
def _record_kept(*, actor, result: dict, note: str) -> None:
    audit_record(
        actor=actor,
        action="triage.retrain_kept",
        target_type="triage.classifiermodel",
        target_id=str(result["active"]["id"]),
        after=result,
        note=note,
    )


@transaction.atomic
def category_correction_record(*, actor, order, category) -> CategoryCorrection | None:
    """坐席纠正: a person set `category` on `order`; when the machine had suggested another one
    at intake (its best guess, kept in the report event), keep (description, category) as a
    training example for the next retrain. None when there was no suggestion or they agree.
    Call inside the service that sets the category."""
    from yiwang.workorders.models import WorkOrderEvent

    data = (
        WorkOrderEvent.objects.filter(order=order, action=WorkOrderEvent.Action.REPORT)
        .values_list("data", flat=True)
        .first()
    )
    suggestions = (data or {}).get("suggestions") or []
    if not suggestions or suggestions[0][0] == category.code:
        return None
    suggested, probability = suggestions[0]
    correction = CategoryCorrection.objects.create(
        order=order,
        by=acting_user(actor),
        suggested=suggested,
        suggested_probability=probability,
        chosen=category,
        text=order.description,
    )
    audit_record(
        actor=actor,
        action="triage.correction",
        target=correction,
        before={"category": suggested, "probability": probability},
        after={"category": category.code},
        note=f"工单 {order.code}：机器建议 {suggested}，人工改为 {category.code}",
    )
    return correction
