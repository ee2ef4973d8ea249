"""智能分拣 services and intake: installing a model, auto-dispatch at intake with the model's
threshold, a broken model never stopping intake, dispatchers' corrections, and retraining that
swaps only when the new model is not worse."""

from __future__ import annotations

import hashlib
import logging

import pytest

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.triage import intake, services
from yiwang.triage.classifier import TextClassifier
from yiwang.triage.demo_history import history
from yiwang.triage.models import CategoryCorrection, ClassifierModel

CLEAR = "小区南门人行道上停满了私家车，行人只能走机动车道"  # 09009 机动车乱停放
UNCLEAR = "最近小区里情况比较多，不知道找谁反映"


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    """Each test starts and ends with the process's model copy re-checked against its DB."""
    intake.invalidate()
    yield
    intake.invalidate()


@pytest.fixture(scope="module")
def model_bytes():
    """A model of the demo's 16 categories (640 messages, as in the demo; threshold ≈ 0.98)."""
    examples = history(40, seed=1)
    model = TextClassifier().fit([t for t, _ in examples], [c for _, c in examples])
    return services.model_to_bytes(model)


@pytest.fixture
def installed(world, model_bytes):
    return services.classifier_model_install(
        actor=world.users["admin"], data=model_bytes, source="csv", source_note="测试"
    )


def test_install_stores_codes_threshold_checksum_and_audit(world, model_bytes):
    row = services.classifier_model_install(
        actor=world.users["admin"], data=model_bytes, source="csv"
    )
    assert row.is_active and row.sha256 == hashlib.sha256(model_bytes).hexdigest()
    assert "09009" in row.labels and len(row.labels) == 16
    assert 0.5 < row.threshold < 1 and row.metrics["oof_auto_precision"] >= 0.98
    assert AuditEvent.objects.filter(action="triage.model_install", target_id=str(row.pk)).exists()
    second = services.classifier_model_install(actor=None, data=model_bytes, source="csv")
    row.refresh_from_db()
    assert not row.is_active and second.is_active
    assert ClassifierModel.objects.filter(is_active=True).count() == 1


def test_install_refuses_unknown_labels_and_stores_nothing(world):
    model = TextClassifier().fit(
        ["小区门口车乱停", "路边停车占道", "楼道堆放杂物", "楼梯间堆满杂物"],
        ["09009", "09009", "不存在的分类", "不存在的分类"],
    )
    with pytest.raises(ValidationFailed, match="不存在的分类") as exc:
        services.classifier_model_install(
            actor=None, data=services.model_to_bytes(model), source="csv"
        )
    assert exc.value.code == "unknown_labels"
    assert not ClassifierModel.objects.exists()


def test_labels_match_codes_or_unique_names(db):
    assert services.labels_to_codes(["城乡建设", "09009", "车库住人"]) == {
        "城乡建设": "12345-01",
        "09009": "09009",
        "车库住人": "90001",
    }


def test_install_refuses_a_file_that_is_not_a_model(db):
    with pytest.raises(ValidationFailed, match="不是分拣模型文件") as exc:
        services.classifier_model_install(actor=None, data=b"PK\x03\x04 junk", source="csv")
    assert exc.value.code == "bad_model"


def test_confident_text_is_categorised_and_dispatched(installed, report):
    order = report(category=None, description=CLEAR)
    assert order.category.code == "09009" and order.category_source == "auto"
    assert order.status == "dispatched" and order.category_confidence >= installed.threshold
    assert order.events.first().data["suggestions"][0][0] == "09009"


def test_unclear_text_waits_in_triage_with_suggestions(installed, report):
    order = report(category=None, description=UNCLEAR)
    assert order.status == "triage" and order.category is None
    suggestions = order.events.first().data["suggestions"]
    assert len(suggestions) == 5 and suggestions[0][1] < installed.threshold
    assert [p for _, p in suggestions] == sorted((p for _, p in suggestions), reverse=True)


def test_threshold_setting_overrides_the_models(installed, report, settings):
    settings.YIWANG_TRIAGE_AUTO_THRESHOLD = 0.9999999
    assert report(category=None, description=CLEAR).status == "triage"
    settings.YIWANG_TRIAGE_AUTO_THRESHOLD = 0.1
    assert report(category=None, description=UNCLEAR).category_source == "auto"


def test_no_active_model_means_no_suggestions(world, report):
    order = report(category=None, description=CLEAR)
    assert order.status == "triage" and "suggestions" not in order.events.first().data
    assert intake.suggest("no Chinese here") == []


def test_a_broken_model_sends_orders_to_triage_and_is_loaded_once(
    installed, report, monkeypatch, caplog
):
    junk = b"not a model at all"
    ClassifierModel.objects.filter(pk=installed.pk).update(
        blob=junk, sha256=hashlib.sha256(junk).hexdigest()
    )
    loads = []
    real = intake.load_stored
    monkeypatch.setattr(intake, "load_stored", lambda pk: loads.append(pk) or real(pk))
    intake.invalidate()
    with caplog.at_level(logging.ERROR):
        first = report(category=None, description=CLEAR)
        second = report(category=None, description=CLEAR)
    for order in (first, second):
        assert order.status == "triage"
        assert "无法使用" in order.events.first().data["classifier_error"]
    assert loads == [installed.pk]  # remembered until the next check, not retried per order
    assert "triage classifier failed" in caplog.text


def test_a_model_of_another_format_version_is_refused_at_intake(installed, report, monkeypatch):
    from yiwang.triage import classifier

    monkeypatch.setattr(classifier, "FORMAT_VERSION", classifier.FORMAT_VERSION + 1)
    intake.invalidate()
    order = report(category=None, description=CLEAR)
    assert order.status == "triage" and "格式版本" in order.events.first().data["classifier_error"]


def test_dispatcher_correction_is_recorded(installed, report, world):
    from yiwang.workorders.services import work_order_dispatch

    order = report(category=None, description=UNCLEAR, actor=world.users["resident"])
    top = order.events.first().data["suggestions"][0][0]
    chosen = "06001" if top != "06001" else "09009"
    work_order_dispatch(
        actor=world.users["dispatcher"], order=order, version=order.version, category=chosen
    )
    correction = CategoryCorrection.objects.get()
    assert (correction.suggested, correction.chosen.code) == (top, chosen)
    assert correction.text == UNCLEAR and correction.by == world.users["dispatcher"]
    assert AuditEvent.objects.filter(action="triage.correction").count() == 1


def test_agreeing_with_the_machine_or_no_suggestion_records_nothing(installed, report, world):
    from yiwang.workorders.services import work_order_dispatch, work_order_resolve_on_spot

    order = report(category=None, description=UNCLEAR, actor=world.users["resident"])
    top = order.events.first().data["suggestions"][0][0]
    work_order_dispatch(
        actor=world.users["dispatcher"], order=order, version=order.version, category=top,
        department=world.department, limit_value=3,
    )  # fmt: skip
    reported = report(category="06010")  # the reporter chose: no machine suggestion
    work_order_resolve_on_spot(
        actor=world.users["grid_a"], order=reported, version=reported.version, note="已清理",
        category="09009", no_photo_reason="现场不便拍照",
    )  # fmt: skip
    assert not CategoryCorrection.objects.exists()


def test_grid_worker_resolving_with_another_category_is_a_correction(installed, report, world):
    from yiwang.workorders.services import work_order_resolve_on_spot

    order = report(category=None, description=CLEAR)  # auto: 09009
    work_order_resolve_on_spot(
        actor=world.users["grid_a"], order=order, version=order.version, note="已清理",
        category="06010", no_photo_reason="现场不便拍照",
    )  # fmt: skip
    correction = CategoryCorrection.objects.get()
    assert (correction.suggested, correction.chosen.code) == ("09009", "06010")


# ----------------------------------------------------------------------------- retrain


@pytest.fixture
def archive(world, rules):
    """320 archived orders of the demo's categories, imported as history."""
    import datetime as dt

    from django.utils import timezone

    from yiwang.workorders.history import HistoryRecord, work_order_history_import

    now = timezone.now()
    records = [
        HistoryRecord(text, code, now - dt.timedelta(days=2 + i % 60), now - dt.timedelta(days=1))
        for i, (text, code) in enumerate(history(20, seed=1))
    ]
    return work_order_history_import(actor=world.users["admin"], records=records)


def test_retrain_installs_when_none_is_active_and_swaps_when_not_worse(archive, world):
    first = services.classifier_retrain(actor=world.users["admin"])
    assert first["swapped"] and first["active"] is None and first["n_examples"] == 320
    assert first["n_holdout"] == 64 and first["new"]["macro_f1"] > 0.8
    row = ClassifierModel.objects.get(is_active=True)
    assert row.pk == first["model"] and row.source == "archived"
    # The same examples give the same model: equal on the held-out slice counts as not worse.
    second = services.classifier_retrain(actor=None)
    assert second["active"]["id"] == row.pk
    assert second["new"]["macro_f1"] == pytest.approx(second["active"]["macro_f1"])
    assert second["swapped"] and ClassifierModel.objects.get(is_active=True).pk == second["model"]


def test_retrain_keeps_a_better_active_model(archive, world):
    # A model that has seen every archived order (held-out slice included) scores better on
    # the slice than one trained without it.
    texts, labels = services.training_examples()
    seen_all = services.model_to_bytes(TextClassifier().fit(texts, labels))
    active = services.classifier_model_install(actor=None, data=seen_all, source="csv")
    result = services.classifier_retrain(actor=world.users["admin"])
    assert result["active"]["macro_f1"] > result["new"]["macro_f1"]
    assert not result["swapped"] and result["model"] is None
    assert ClassifierModel.objects.get(is_active=True).pk == active.pk
    assert AuditEvent.objects.filter(action="triage.retrain_kept").count() == 1


def test_training_takes_corrections_of_orders_not_yet_archived(archive):
    from yiwang.workorders.models import Category, WorkOrder

    closed, still_open = WorkOrder.objects.filter(status="archived")[:2]
    WorkOrder.objects.filter(pk=still_open.pk).update(status="dispatched")
    garbage = Category.objects.get(code="06010")
    CategoryCorrection.objects.create(order=closed, chosen=garbage, text="已结案工单的纠正")
    CategoryCorrection.objects.create(order=still_open, chosen=garbage, text="坐席改过的描述")
    texts, labels = services.training_examples()
    assert "已结案工单的纠正" not in texts  # an archived order's final category wins
    assert labels[texts.index("坐席改过的描述")] == "06010" and len(texts) == 320


def test_retrain_with_too_few_examples_is_refused(world):
    with pytest.raises(ValidationFailed, match="太少") as exc:
        services.classifier_retrain(actor=None)
    assert exc.value.code == "too_few_examples"


def test_retrain_refuses_when_the_active_model_changed_meanwhile(archive, model_bytes):
    with pytest.raises(Conflict):
        services.classifier_model_install(
            actor=None, data=model_bytes, source="csv", replacing=12345
        )
