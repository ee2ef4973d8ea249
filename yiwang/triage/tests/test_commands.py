"""`yiwang triage train|evaluate|install|retrain`: one JSON line each; bad input is a Chinese
CommandError (exit status 1, no traceback) and stores nothing."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from yiwang.triage import intake
from yiwang.triage.demo_history import history
from yiwang.triage.models import ClassifierModel


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    intake.invalidate()
    yield
    intake.invalidate()


def write_csv(path, rows, header=("text", "label")):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled(tmp_path):
    """Two CSVs of the demo's categories: 640 messages to train on (as many as the demo; with
    fewer the auto-dispatch threshold may not have the evidence it needs), 160 others to test
    on."""
    return (
        write_csv(tmp_path / "train.csv", history(40, seed=1)),
        write_csv(tmp_path / "test.csv", history(10, seed=2)),
    )


def triage(*args) -> dict:
    out = io.StringIO()
    call_command("triage", *map(str, args), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_train_writes_a_model_and_evaluate_prints_the_figures(labelled, tmp_path, db):
    train, test = labelled
    result = triage("train", "--data", train, "--out", tmp_path / "m.npz")
    assert (tmp_path / "m.npz").stat().st_size > 1000 and result["installed"] is None
    assert result["n_train"] == 640 and "09009" in result["classes"]
    assert not ClassifierModel.objects.exists()
    figures = triage("evaluate", "--train", train, "--test", test)
    assert {
        "macro_f1",
        "accuracy",
        "per_class",
        "train_s",
        "per_s",
        "auto_coverage",
        "auto_precision",
    } <= set(figures)
    assert figures["macro_f1"] > 0.8 and figures["n_test"] == 160
    assert set(figures["per_class"]) >= {"09009", "90001"}


def test_install_and_train_install_make_the_model_active(labelled, tmp_path, db):
    train, _ = labelled
    triage("train", "--data", train, "--out", tmp_path / "m.npz")
    installed = triage("install", tmp_path / "m.npz")
    row = ClassifierModel.objects.get(is_active=True)
    assert installed["installed"] == row.pk and installed["threshold"] == round(row.threshold, 4)
    again = triage("train", "--data", train, "--out", tmp_path / "n.npz", "--install")
    assert ClassifierModel.objects.get(is_active=True).pk == again["installed"] != row.pk
    assert intake.suggest("小区南门人行道上停满了私家车")[0][0] == "09009"


def test_custom_columns(tmp_path, db):
    rows = [(i, text, code) for i, (text, code) in enumerate(history(6, seed=3))]
    data = write_csv(tmp_path / "c.csv", rows, header=("id", "内容", "分类"))
    result = triage(
        "train",
        "--data",
        data,
        "--text-col",
        "内容",
        "--label-col",
        "分类",
        "--out",
        tmp_path / "m",
    )
    assert result["n_train"] == 96


def test_retrain_command(db, world, rules):
    import datetime as dt

    from django.utils import timezone

    from yiwang.workorders.history import HistoryRecord, work_order_history_import

    now = timezone.now()
    records = [
        HistoryRecord(text, code, now - dt.timedelta(days=3), now - dt.timedelta(days=1))
        for text, code in history(8, seed=4)
    ]
    work_order_history_import(actor=None, records=records)
    result = triage("retrain")
    assert result["swapped"] and result["active"] is None and result["n_examples"] == 128
    assert ClassifierModel.objects.get(is_active=True).pk == result["model"]


def bad_inputs(tmp_path):
    """(name, arguments, a word the Chinese message must contain)."""
    good = write_csv(tmp_path / "good.csv", history(4, seed=5))
    empty_text = write_csv(
        tmp_path / "empty_text.csv", [("小区门口车乱停", "09009"), ("", "09009")]
    )
    no_label = write_csv(tmp_path / "no_label.csv", [("小区门口车乱停", "09009"), ("楼道堆物", "")])
    unknown = write_csv(
        tmp_path / "unknown.csv",
        [*history(3, seed=6), ("外星人入侵", "外星事务"), ("飞碟", "外星事务")],
    )
    (tmp_path / "junk.npz").write_bytes(b"this is not a model")
    return [
        (
            "missing file",
            ["train", "--data", tmp_path / "nope.csv", "--out", tmp_path / "m"],
            "无法读取",
        ),
        (
            "missing column",
            ["train", "--data", good, "--text-col", "内容", "--out", tmp_path / "m"],
            "缺少列",
        ),
        ("empty text", ["train", "--data", empty_text, "--out", tmp_path / "m"], "文本为空"),
        ("missing label", ["train", "--data", no_label, "--out", tmp_path / "m"], "标签为空"),
        (
            "unknown labels",
            ["train", "--data", unknown, "--out", tmp_path / "m", "--install"],
            "外星事务",
        ),
        (
            "missing test file",
            ["evaluate", "--train", good, "--test", tmp_path / "nope.csv"],
            "无法读取",
        ),
        ("not a model", ["install", tmp_path / "junk.npz"], "不是分拣模型文件"),
        ("missing model", ["install", tmp_path / "nope.npz"], "无法读取"),
        ("too few archived orders", ["retrain"], "太少"),
    ]


def test_bad_input_is_a_clear_error_and_stores_nothing(tmp_path, db):
    for name, args, word in bad_inputs(tmp_path):
        with pytest.raises(CommandError, match=word):
            triage(*args)
        assert not ClassifierModel.objects.exists(), name
    assert not (tmp_path / "m").exists()  # unknown labels are refused before training


def test_a_model_of_another_format_version_is_refused(labelled, tmp_path, db, monkeypatch):
    from yiwang.triage import classifier

    train, _ = labelled
    monkeypatch.setattr(classifier, "FORMAT_VERSION", 0)
    triage("train", "--data", train, "--out", tmp_path / "old.npz")
    monkeypatch.undo()
    with pytest.raises(CommandError, match="格式版本 0"):
        triage("install", tmp_path / "old.npz")
    assert not ClassifierModel.objects.exists()


def test_the_cli_exits_non_zero_without_a_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "yiwang.cli",
            "triage",
            "train",
            "--data",
            str(tmp_path / "x.csv"),
            "--out",
            str(tmp_path / "m.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "无法读取文件" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_tipdm_messages_train_and_install_as_12345_big_classes(shared_data, tmp_path, db):
    source = shared_data / "tipdm2020-gov-messages" / "train.csv"
    if not source.exists():
        pytest.skip(f"{source} is absent")
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(handle)][::8]  # every 8th: ~920
    data = write_csv(tmp_path / "tipdm.csv", rows)
    result = triage("train", "--data", data, "--out", tmp_path / "m.npz", "--install")
    row = ClassifierModel.objects.get(pk=result["installed"])
    assert set(row.labels) == {
        "12345-01",
        "12345-02",
        "12345-03",
        "12345-04",
        "12345-05",
        "12345-06",
        "12345-07",
    }
    assert result["oof_accuracy"] > 0.8
    top = intake.suggest("小区 物业 乱 收费 停车费 业主 投诉")
    assert top[0][0].startswith("12345-0") and len(top) == 5
