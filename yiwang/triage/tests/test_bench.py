"""The nested cross-validation of `python -m yiwang.triage.bench --nested`: every choice is made
on the outer training part; the outer test part only measures."""

from __future__ import annotations

import json

import numpy as np

from yiwang.triage import bench
from yiwang.triage.classifier import TextClassifier
from yiwang.triage.tests.test_ml import synthetic


def unique_synthetic(n_per_class: int = 24) -> tuple[list[str], list[str]]:
    texts, labels = synthetic(n_per_class, seed=3)
    return [f"{t} 记录{chr(0x4E00 + i)}" for i, t in enumerate(texts)], labels


def test_nested_models_never_see_their_outer_test_fold(monkeypatch):
    texts, labels = unique_synthetic()
    fitted: list[set[str]] = []
    scored: list[set[str]] = []
    real_fit, real_proba = TextClassifier.fit, TextClassifier.predict_proba

    def spy_fit(self, train_texts, train_labels):
        fitted.append(set(train_texts))
        return real_fit(self, train_texts, train_labels)

    def spy_proba(self, some_texts):
        scored.append(set(some_texts))
        return real_proba(self, some_texts)

    monkeypatch.setattr(TextClassifier, "fit", spy_fit)
    monkeypatch.setattr(TextClassifier, "predict_proba", spy_proba)
    result = bench.run_nested(texts, labels, folds=3, seed=0, compare_refit=True, cv=2)
    assert len(fitted) == 3 and len(result["folds"]) == 3
    # predict_proba is called on the outer test parts only (fit scores nothing by it).
    outer_tests = scored
    assert len(outer_tests) == 3
    for train, test in zip(fitted, outer_tests, strict=True):
        assert not train & test  # the threshold and the models come from the training part
        assert train | test == set(texts)
    assert set().union(*outer_tests) == set(texts)


def test_nested_result_is_per_fold_and_pooled(capsys):
    texts, labels = unique_synthetic()
    result = bench.run_nested(texts, labels, folds=3, seed=0, cv=2)
    assert result["nested"] is True and result["n"] == len(texts)
    overall = result["overall"]
    assert 0.8 < overall["macro_f1"] <= 1.0 and 0.8 < overall["accuracy"] <= 1.0
    for z in bench.Z_SWEEP:
        pooled = overall[f"z={z}"]
        assert 0.0 <= pooled["coverage"] <= 1.0
        assert pooled["n_auto"] == sum(f[f"z={z}"]["n_auto"] for f in result["folds"])
        assert pooled["n_wrong"] == sum(f[f"z={z}"]["n_wrong"] for f in result["folds"])
    assert sum(f["n_test"] for f in result["folds"]) == len(texts)
    assert all(np.isfinite(f["macro_f1"]) for f in result["folds"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert [json.loads(line)["fold"] for line in lines] == [0, 1, 2]  # progress, one per fold


def test_nested_command_prints_one_json_line(tmp_path, capsys):
    texts, labels = unique_synthetic(12)
    path = tmp_path / "data.csv"
    rows = ["text,label"] + [f"{t},{lab}" for t, lab in zip(texts, labels, strict=True)]
    path.write_text("\n".join(rows), encoding="utf-8")
    assert bench.main(["--data", str(path), "--nested", "--folds", "2", "--quick"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and json.loads(out[0])["outer_folds"] == 2
