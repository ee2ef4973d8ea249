"""yiwang triage train|evaluate|install|retrain — the classifier (分拣模型) from the command line.

    train --data F.csv [--text-col C --label-col L] --out MODEL.npz [--install]
    evaluate --train F.csv --test G.csv [--text-col C --label-col L]
    install MODEL.npz
    retrain [--holdout 0.2] [--seed 0]

Each prints one JSON line. Bad input (missing file or column, empty text or label, labels that
match no active category, a file that is not a model of this format version) is a CommandError
in Chinese, exit status 1, and nothing is stored.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ServiceError
from yiwang.triage import services
from yiwang.triage.classifier import (
    TextClassifier,
    TriageInputError,
    evaluate,
    read_labelled_csv,
)
from yiwang.triage.models import ClassifierModel


def _json(value) -> str:
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, float):
            return round(v, 4) if math.isfinite(v) else None
        return v

    return json.dumps(clean(value), ensure_ascii=False)


class Command(BaseCommand):
    help = "智能分拣模型：训练、评估、启用、重新训练。Train, evaluate, install, retrain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="用标注文件训练模型")
        train.add_argument("--data", required=True, help="UTF-8 CSV，含文本列与标签列")
        train.add_argument("--out", required=True, help="模型文件（.npz）")
        train.add_argument("--install", action="store_true", help="同时启用为分拣模型")
        evaluate_ = sub.add_parser("evaluate", help="在一个文件上训练、另一个文件上评估")
        evaluate_.add_argument("--train", required=True)
        evaluate_.add_argument("--test", required=True)
        for p in (train, evaluate_):
            p.add_argument("--text-col", default="text")
            p.add_argument("--label-col", default="label")
        install = sub.add_parser("install", help="启用一个模型文件")
        install.add_argument("model")
        retrain = sub.add_parser("retrain", help="用已结案工单与坐席纠正重新训练，不差才替换")
        retrain.add_argument("--holdout", type=float, default=services.HOLDOUT)
        retrain.add_argument("--seed", type=int, default=0)

    def handle(self, *args, action, **options):
        try:
            result = getattr(self, f"_{action}")(**options)
        except (TriageInputError, ServiceError) as exc:
            raise CommandError(getattr(exc, "message", str(exc)))
        self.stdout.write(_json(result))

    def _train(self, *, data, out, install, text_col, label_col, **_):
        texts, labels = read_labelled_csv(data, text_col, label_col)
        if install:
            services.labels_to_codes(sorted(set(labels)))  # fail before training, store nothing
        model = TextClassifier().fit(texts, labels)
        blob = services.model_to_bytes(model)
        try:
            Path(out).write_bytes(blob)
        except OSError as exc:
            raise CommandError(f"无法写入模型文件 {out}：{exc}")
        info = model.info_
        result = {
            "out": str(out),
            "n_train": info["n_train"],
            "classes": model.classes_,
            "threshold": model.threshold_,
            "oof_accuracy": info["oof_accuracy"],
            "oof_auto_coverage": info["oof_auto_coverage"],
            "oof_auto_precision": info["oof_auto_precision"],
            "train_s": info["train_s"],
            "installed": None,
        }
        if install:
            result["installed"] = self._store(blob, Path(data).name).pk
        return result

    def _evaluate(self, *, train, test, text_col, label_col, **_):
        train_texts, train_labels = read_labelled_csv(train, text_col, label_col)
        test_texts, test_labels = read_labelled_csv(test, text_col, label_col)
        result = evaluate(train_texts, train_labels, test_texts, test_labels)
        return {**result, "n_train": len(train_texts), "n_test": len(test_texts)}

    def _install(self, *, model, **_):
        try:
            blob = Path(model).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取模型文件 {model}：{exc}")
        row = self._store(blob, Path(model).name)
        return {"installed": row.pk, "labels": row.labels, "threshold": row.threshold}

    def _retrain(self, *, holdout, seed, **_):
        if not 0 < holdout < 1:
            raise CommandError("--holdout 须在 0 与 1 之间。")
        return services.classifier_retrain(actor="命令行", holdout=holdout, seed=seed)

    def _store(self, blob: bytes, name: str) -> ClassifierModel:
        return services.classifier_model_install(
            actor="命令行", data=blob, source=ClassifierModel.Source.CSV, source_note=name
        )
