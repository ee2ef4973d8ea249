"""Reproducible benchmark of the 智能分拣 classifier: stratified k-fold CV on train.csv.

    python -m yiwang.triage.bench [--data PATH] [--folds 5] [--seed 0] [--quick]
    python -m yiwang.triage.bench --nested [--compare-refit] [--limit K] [--dump F.npz]

``--nested`` (:func:`run_nested`): per outer fold and pooled, macro-F1, accuracy and, for each
Wilson bound of ``Z_SWEEP``, the auto-dispatch threshold chosen inside the outer training part
with the coverage and precision it gives on the outer test part; ``--compare-refit`` adds the
same for format 3's model (refitted on all training rows), ``--limit K`` keeps every K-th row,
``--dump`` writes the scores. Each fold's record also goes to stderr as it finishes.

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
    TARGET_PRECISION,
    THRESHOLD_Z,
    TextClassifier,
    _softmax,
    choose_threshold,
    coverage_precision,
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


Z_SWEEP = (0.0, 1.2816, 1.645, 2.326)  # bare share; one-sided 90 %, 95 %, 99 % Wilson bounds


def _auto(top_prob, correct, threshold) -> dict:
    cov, prec = coverage_precision(top_prob, correct, threshold)
    return {
        "threshold": None if threshold is None else round(threshold, 4),
        "coverage": round(cov, 4),
        "precision": None if np.isnan(prec) else round(prec, 4),
        "n_auto": int(round(cov * len(top_prob))),
        "n_wrong": int(np.sum((np.asarray(top_prob) >= threshold) & ~correct))
        if threshold is not None
        else 0,
    }


def _refit_probs(model: TextClassifier, texts, y, test) -> np.ndarray:
    """Format 3's model: the same stacker on both models refitted on all training rows."""
    x = model.featurizer.transform(texts)
    parts = model._fit_models(x, y, len(model.classes_))
    mix, bias = model.stack_
    coef = sum(a @ W for a, (W, _) in zip(mix, parts, strict=True))
    intercept = sum(a @ b for a, (_, b) in zip(mix, parts, strict=True)) + bias
    dec = model.featurizer.transform(test) @ coef.T + intercept
    return _softmax(dec)


def run_nested(
    texts,
    labels,
    folds: int = 5,
    seed: int = 0,
    compare_refit: bool = False,
    dump: Path | None = None,
    **params,
) -> dict:
    """Nested cross-validation: in each outer fold every choice (fold models, stacker,
    threshold, for each bound in ``Z_SWEEP``) is made by :meth:`TextClassifier.fit` on the
    outer training part alone; the outer test part only measures. Per fold and pooled."""
    texts, labels = list(texts), np.array(labels)
    n = len(texts)
    pred = np.empty(n, dtype=object)
    top_prob, correct = np.zeros(n), np.zeros(n, bool)
    thresholds = {z: np.full(n, np.inf) for z in Z_SWEEP}  # each row's fold threshold
    refit_pred = np.empty(n, dtype=object)
    refit_prob, refit_correct = np.zeros(n), np.zeros(n, bool)
    records, arrays = [], {}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fold, (tr, te) in enumerate(splitter.split(np.zeros(n), labels)):
        t0 = time.perf_counter()
        train = [texts[i] for i in tr]
        model = TextClassifier(random_state=seed, **params).fit(train, labels[tr])
        fit_s = time.perf_counter() - t0
        test = [texts[i] for i in te]
        probs = model.predict_proba(test)
        classes = np.array(model.classes_)
        pred[te] = classes[probs.argmax(axis=1)]
        top_prob[te] = probs.max(axis=1)
        correct[te] = pred[te] == labels[te]
        record = {
            "fold": fold,
            "n_train": len(tr),
            "n_test": len(te),
            "macro_f1": round(float(f1_score(labels[te], pred[te], average="macro")), 4),
            "accuracy": round(float(correct[te].mean()), 4),
            "train_s": round(fit_s, 1),
        }
        pairs = list(zip(model.oof_top_probs_, model.oof_correct_, strict=True))
        arrays[f"fold{fold}_oof_top"] = model.oof_top_probs_
        arrays[f"fold{fold}_oof_correct"] = model.oof_correct_
        arrays[f"fold{fold}_test_rows"] = te
        for z in Z_SWEEP:
            t = choose_threshold(pairs, model.target_precision, z)
            thresholds[z][te] = np.inf if t is None else t
            record[f"z={z}"] = _auto(top_prob[te], correct[te], t)
        if compare_refit:
            y = np.searchsorted(classes, labels[tr])
            rp = _refit_probs(model, train, y, test)
            refit_pred[te] = classes[rp.argmax(axis=1)]
            refit_prob[te] = rp.max(axis=1)
            refit_correct[te] = refit_pred[te] == labels[te]
            record["refit"] = {
                "macro_f1": round(float(f1_score(labels[te], refit_pred[te], average="macro")), 4),
                **{
                    f"z={z}": _auto(refit_prob[te], refit_correct[te], model_t)
                    for z in Z_SWEEP
                    for model_t in [choose_threshold(pairs, model.target_precision, z)]
                },
            }
        print(json.dumps(record, ensure_ascii=False), file=sys.stderr, flush=True)
        records.append(record)

    def pooled(prob, ok, z):
        auto = prob >= thresholds[z]
        return {
            "coverage": round(float(auto.mean()), 4),
            "precision": round(float(ok[auto].mean()), 4) if auto.any() else None,
            "n_auto": int(auto.sum()),
            "n_wrong": int((auto & ~ok).sum()),
        }

    if dump is not None:  # every fold's out-of-fold and test scores, to study other rules
        np.savez_compressed(
            dump, top_prob=top_prob, correct=correct, refit_top_prob=refit_prob,
            refit_correct=refit_correct, **arrays,
        )  # fmt: skip
    overall = {
        "macro_f1": round(float(f1_score(labels, pred, average="macro")), 4),
        "accuracy": round(float(accuracy_score(labels, pred)), 4),
        **{f"z={z}": pooled(top_prob, correct, z) for z in Z_SWEEP},
    }
    if compare_refit:
        overall["refit"] = {
            "macro_f1": round(float(f1_score(labels, refit_pred, average="macro")), 4),
            **{f"z={z}": pooled(refit_prob, refit_correct, z) for z in Z_SWEEP},
        }
    return {
        "nested": True,
        "overall": overall,
        "folds": records,
        "default_z": THRESHOLD_Z,
        "target_precision": TARGET_PRECISION,
        "n": n,
        "outer_folds": folds,
        "seed": seed,
        "params": params,
        "versions": library_versions(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench triage", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="labelled CSV (text,label)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="SVM only, 2-fold internal CV")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-text (jieba) pass")
    parser.add_argument(
        "--nested", action="store_true", help="nested CV: per outer fold and pooled, by bound"
    )
    parser.add_argument(
        "--compare-refit", action="store_true", help="with --nested: also format 3's refit model"
    )
    parser.add_argument("--limit", type=int, default=0, help="every k-th row only (quick runs)")
    parser.add_argument("--dump", type=Path, default=None, help="with --nested: scores as .npz")
    args = parser.parse_args(argv)
    path = args.data or default_data_path()
    if not path.is_file():
        print(f"找不到数据文件 {path} (data file not found)", file=sys.stderr)
        return 2
    texts, labels = read_labelled_csv(path)
    if args.limit > 1:
        texts, labels = texts[:: args.limit], labels[:: args.limit]
    params = {"use_nbsvm": False, "cv": 2} if args.quick else {}
    if args.nested:
        result = run_nested(
            texts,
            labels,
            args.folds,
            args.seed,
            compare_refit=args.compare_refit,
            dump=args.dump,
            **params,
        )
        print(json.dumps(result, ensure_ascii=False))
        return 0
    result = run_cv(texts, labels, folds=args.folds, seed=args.seed, raw=not args.no_raw, **params)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
