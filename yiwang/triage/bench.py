"""Reproducible benchmark of the 智能分拣 classifier: stratified k-fold CV on train.csv.

    python -m yiwang.triage.bench [--data PATH] [--folds 5] [--seed 0] [--quick]

Prints one JSON line. Each fold trains the final pipeline (:class:`TextClassifier`, including
its internal CV for calibration and the auto-dispatch threshold) on the other folds and
predicts the held-out fold, so every figure is out-of-fold:

- ``macro_f1``, ``accuracy``: pooled over all held-out predictions;
- ``auto_coverage``, ``auto_precision``: each fold's threshold (chosen inside its training
  part) applied to its held-out part, pooled;
- ``train_s``: mean seconds to fit one model on (k-1)/k of the data;
- ``per_s``: held-out messages predicted per second (pre-segmented text, as in train.csv);
- ``raw_per_s``, ``raw_macro_f1``: the same held-out messages with their spaces removed, so
  they go through jieba as raw input would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from yiwang.triage.classifier import (
    TextClassifier,
    expected_calibration_error,
    library_versions,
    read_labelled_csv,
)


def default_data_path() -> Path:
    """``$YIWANG_SHARED_DATA`` or ``<repo>/../shared/data``, then the dataset's train.csv."""
    env = os.environ.get("YIWANG_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return root / "tipdm2020-gov-messages" / "train.csv"


def run_cv(texts, labels, folds: int = 5, seed: int = 0, raw: bool = True, **params) -> dict:
    """Stratified ``folds``-fold CV of :class:`TextClassifier`; see the module docstring."""
    texts, labels = list(texts), np.array(labels)
    n = len(texts)
    pred = np.empty(n, dtype=object)
    raw_pred = np.empty(n, dtype=object)
    top_prob = np.zeros(n)
    auto = np.zeros(n, dtype=bool)
    fit_s, pred_s, raw_s, thresholds = [], 0.0, 0.0, []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for tr, te in splitter.split(np.zeros(n), labels):
        t0 = time.perf_counter()
        model = TextClassifier(random_state=seed, **params)
        model.fit([texts[i] for i in tr], labels[tr])
        fit_s.append(time.perf_counter() - t0)
        test = [texts[i] for i in te]
        t0 = time.perf_counter()
        top = model.predict_top(test, k=3)
        pred_s += time.perf_counter() - t0
        pred[te] = [t[0][0] for t in top]
        top_prob[te] = [t[0][1] for t in top]
        thresholds.append(model.threshold_)
        if model.threshold_ is not None:
            auto[te] = top_prob[te] >= model.threshold_
        if raw:
            unsegmented = ["".join(t.split()) for t in test]
            t0 = time.perf_counter()
            raw_pred[te] = model.predict(unsegmented)
            raw_s += time.perf_counter() - t0
    correct = pred == labels
    result = {
        "macro_f1": round(float(f1_score(labels, pred, average="macro")), 4),
        "accuracy": round(float(accuracy_score(labels, pred)), 4),
        "auto_coverage": round(float(auto.mean()), 4),
        "auto_precision": round(float(correct[auto].mean()), 4) if auto.any() else None,
        "train_s": round(float(np.mean(fit_s)), 1),
        "per_s": round(n / max(pred_s, 1e-9)),
    }
    if raw:
        result["raw_macro_f1"] = round(float(f1_score(labels, raw_pred, average="macro")), 4)
        result["raw_per_s"] = round(n / max(raw_s, 1e-9))
    result.update(
        {
            "thresholds": [None if t is None else round(t, 4) for t in thresholds],
            "ece": round(expected_calibration_error(top_prob, correct), 4),
            "per_class": {
                lab: round(float(f), 4)
                for lab, f in zip(
                    sorted(set(labels)),
                    f1_score(labels, pred, labels=sorted(set(labels)), average=None),
                    strict=True,
                )
            },
            "n": n,
            "folds": folds,
            "params": params,
            "versions": library_versions(),
        }
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench triage", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="labelled CSV (text,label)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="SVM only, 2-fold internal CV")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-text (jieba) pass")
    args = parser.parse_args(argv)
    path = args.data or default_data_path()
    if not path.is_file():
        print(f"找不到数据文件 {path} (data file not found)", file=sys.stderr)
        return 2
    texts, labels = read_labelled_csv(path)
    params = {"use_nbsvm": False, "cv": 2} if args.quick else {}
    result = run_cv(texts, labels, folds=args.folds, seed=args.seed, raw=not args.no_raw, **params)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
