"""Tests of the 智能分拣 machine-learning core (no Django needed)."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest

from yiwang.triage.classifier import (
    FORMAT_VERSION,
    THRESHOLD_Z,
    ModelFormatError,
    TextClassifier,
    TriageInputError,
    choose_threshold,
    evaluate,
    is_segmented,
    read_labelled_csv,
    title_and_tokens,
    tokenize,
    wilson_lower_bound,
)
from yiwang.triage.hotspots import check_hotspot, warning_threshold
from yiwang.triage.similarity import (
    DuplicateIndex,
    group_duplicates,
    most_similar,
    similarity_matrix,
    text_similarity,
)

TOPICS = {
    "交通运输": ["公交 线路", "红绿灯 故障", "道路 拥堵", "出租车 拒载", "地铁 站口", "车辆 违停"],
    "教育文体": [
        "学校 招生",
        "老师 补课",
        "学生 学位",
        "幼儿园 收费",
        "体育馆 开放",
        "图书馆 借书",
    ],
    "环境保护": ["工厂 排污", "噪音 扰民", "河道 污染", "油烟 直排", "垃圾 焚烧", "粉尘 污染"],
}
COMMON = ["市民 反映", "请求 处理", "希望 领导 重视", "附近 居民", "长期 存在", "尽快 解决"]


def synthetic(n_per_class: int = 12, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for _ in range(n_per_class):
            parts = rng.sample(phrases, 2) + rng.sample(COMMON, 2)
            rng.shuffle(parts)
            texts.append(" ".join(parts))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def tiny_model() -> TextClassifier:
    return TextClassifier().fit(*synthetic())


# ---------------------------------------------------------------- classifier


def test_learns_tiny_dataset_and_ranks_right_label_first(tiny_model):
    raw = [
        "我家附近的工厂排污很严重，河道污染了，请尽快处理！",  # raw text: segmented by jieba
        "学校 今年 招生 老师 私下 补课",
        "早高峰 道路 拥堵 红绿灯 故障",
    ]
    top = tiny_model.predict_top(raw, k=3)
    assert [t[0][0] for t in top] == ["环境保护", "教育文体", "交通运输"]
    assert all(t[0][1] > 0.5 for t in top)


def test_probabilities_sum_to_one_and_are_sorted(tiny_model):
    tops = tiny_model.predict_top(["噪音 扰民 附近 居民", "地铁站口车辆违停"], k=3)
    for top in tops:
        probs = [p for _, p in top]
        assert len(top) == 3 and len({label for label, _ in top}) == 3
        assert probs == sorted(probs, reverse=True)
        assert sum(probs) == pytest.approx(1.0, abs=1e-6)
        assert all(0.0 <= p <= 1.0 for p in probs)
    assert len(tiny_model.predict_top(["噪音 扰民"], k=1)[0]) == 1
    assert len(tiny_model.predict_top(["噪音 扰民"], k=99)[0]) == 3


def test_save_load_round_trip_gives_identical_predictions(tiny_model, tmp_path):
    path = tmp_path / "triage.model"
    tiny_model.save(path)
    assert path.exists()  # written under the exact name given
    loaded = TextClassifier.load(path)
    texts = ["工厂 排污 河道 污染", "幼儿园 收费 太 高", "出租车拒载怎么办"]
    a = tiny_model.predict_proba(texts)
    b = loaded.predict_proba(texts)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert loaded.predict_top(texts) == tiny_model.predict_top(texts)
    assert loaded.classes_ == tiny_model.classes_
    assert loaded.threshold_ == tiny_model.threshold_
    assert (loaded.head_weight, loaded.balanced) == (0.7, True)
    assert set(loaded.info_["versions"]) >= {"numpy", "scipy", "scikit-learn", "jieba"}


def test_title_blocks_are_weighted_and_other_blocks_are_unit_length(tiny_model):
    f = tiny_model.featurizer
    x = f.transform(["噪音 扰民 附近 居民", "学校 招生 老师 补课"]).toarray()
    sizes = [len(f.words.vocab), len(f.chars.keys), len(f.head.keys), len(f.head_words.vocab)]
    ends = np.cumsum([0, *sizes])
    assert ends[-1] == x.shape[1] == f.n_features
    norms = [np.linalg.norm(x[:, a:b], axis=1) for a, b in itertools.pairwise(ends)]
    np.testing.assert_allclose(norms[0], 1.0)
    np.testing.assert_allclose(norms[1], 1.0)
    np.testing.assert_allclose(norms[2], f.head_weight)
    np.testing.assert_allclose(norms[3], f.head_word_weight)
    assert (f.head_weight, f.head_word_weight) == (0.7, 0.5)


def test_title_is_the_text_before_the_first_break():
    seg = "市四 医院 退休职工 工资 问题      \u3000 \u3000 医院 退休职工 反映 工资"
    assert title_and_tokens(seg) == (
        ["市四", "医院", "退休职工", "工资", "问题"],
        ["市四", "医院", "退休职工", "工资", "问题", "医院", "退休职工", "反映", "工资"],
    )
    title, toks = title_and_tokens("小区噪音扰民\n晚上十点以后广场舞音响太大，影响休息。")
    assert title == ["小区", "噪音", "扰民"] and "音响" in toks
    # No break (or a "title" longer than 30 tokens): the first head_tokens tokens.
    plain = " ".join(f"词{i}" for i in range(40))
    assert title_and_tokens(plain, head_tokens=12)[0] == [f"词{i}" for i in range(12)]
    long_title = plain + "   正文 内容"
    assert title_and_tokens(long_title, head_tokens=12)[0] == [f"词{i}" for i in range(12)]
    # Pre-segmented text keeps its segmentation in both parts, even a one-word title.
    assert title_and_tokens("退休职工工资福利   医院 退休职工")[0] == ["退休职工工资福利"]


def test_stacked_models_collapse_into_one_linear_model(tiny_model):
    """predict_proba (one weight matrix) equals the stacker applied to both models' decisions."""
    from yiwang.triage.classifier import _softmax, fit_stacker

    texts, labels = synthetic()
    y = np.searchsorted(np.array(tiny_model.classes_), np.array(labels))
    x = tiny_model.featurizer.transform(texts)
    parts = tiny_model._fit_models(x, y, 3)
    rng = np.random.default_rng(0)
    decisions = [x @ W.T + b + rng.normal(0, 0.3, (len(y), 3)) for W, b in parts]
    mix, bias = fit_stacker(decisions, y, 3)
    from sklearn.linear_model import LogisticRegression

    ref = LogisticRegression(C=1.0, max_iter=2000).fit(np.hstack(decisions), y)
    logits = sum(d @ a.T for d, a in zip(decisions, mix, strict=True)) + bias
    np.testing.assert_allclose(_softmax(logits), ref.predict_proba(np.hstack(decisions)), atol=1e-9)
    # The saved weights are that composition: softmax(x W + b) over the final models.
    W = sum(a @ Wm for a, (Wm, _) in zip(mix, parts, strict=True))
    b = sum(a @ bm for a, (_, bm) in zip(mix, parts, strict=True)) + bias
    direct = _softmax(
        sum((x @ Wm.T + bm) @ a.T for a, (Wm, bm) in zip(mix, parts, strict=True)) + bias
    )
    np.testing.assert_allclose(_softmax(x @ W.T + b), direct, atol=1e-9)


def test_threshold_rows_are_scored_by_fold_models_not_fitted_on_them(tiny_model):
    """Each fold model scores (for the stacker and the threshold) only rows it was not fitted
    on, and the scored rows of the folds cover every row exactly once."""
    n = len(synthetic()[0])
    scored = np.concatenate([te for _, te in tiny_model.folds_])
    assert sorted(scored) == list(range(n))
    for fitted, te in tiny_model.folds_:
        assert not set(fitted) & set(te)
        assert len(fitted) + len(te) == n


def test_saved_model_is_the_average_of_the_fold_models(tiny_model):
    """The saved weights are the stacker over the average of the fold models whose out-of-fold
    probabilities chose the threshold, not a model refitted on every row (more sure of itself
    than what the threshold was measured on)."""
    texts, labels = synthetic()
    y = np.searchsorted(np.array(tiny_model.classes_), np.array(labels))
    x = tiny_model.featurizer.transform(texts)
    members = [tiny_model._fit_models(x[fitted], y[fitted], 3) for fitted, _ in tiny_model.folds_]
    mix, bias = tiny_model.stack_
    mean = [np.mean([m[j][0] for m in members], axis=0) for j in range(len(members[0]))]
    mean_b = [np.mean([m[j][1] for m in members], axis=0) for j in range(len(members[0]))]
    coef = sum(a @ W for a, W in zip(mix, mean, strict=True))
    intercept = sum(a @ b for a, b in zip(mix, mean_b, strict=True)) + bias
    np.testing.assert_allclose(tiny_model.coef_, coef, atol=1e-5)
    np.testing.assert_allclose(tiny_model.intercept_, intercept, atol=1e-9)
    refitted = tiny_model._fit_models(x, y, 3)
    refit_coef = sum(a @ W for a, (W, _) in zip(mix, refitted, strict=True))
    assert np.abs(refit_coef - tiny_model.coef_).max() > 1e-3


def test_threshold_comes_from_out_of_fold_probabilities(tiny_model):
    """The threshold is the rule applied to the out-of-fold probabilities, which are less sure
    than the model's probabilities of the rows it learnt from."""
    pairs = zip(tiny_model.oof_top_probs_, tiny_model.oof_correct_, strict=True)
    assert tiny_model.threshold_ == choose_threshold(pairs, 0.98, tiny_model.threshold_z)
    in_sample = tiny_model.predict_proba(synthetic()[0]).max(axis=1)
    assert in_sample.mean() > tiny_model.oof_top_probs_.mean()


def test_binary_problem_gives_two_column_probabilities():
    texts, labels = synthetic(12, seed=4)
    keep = [i for i, lab in enumerate(labels) if lab != "教育文体"]
    model = TextClassifier(cv=2).fit([texts[i] for i in keep], [labels[i] for i in keep])
    probs = model.predict_proba(["工厂 排污 河道 污染", "公交 线路 道路 拥堵"])
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert model.predict(["工厂 排污 河道 污染", "公交 线路 道路 拥堵"]) == ["环境保护", "交通运输"]


def test_balanced_weights_change_the_model():
    texts, labels = synthetic(12, seed=3)
    texts, labels = texts[:28], labels[:28]  # 12, 12 and 4 messages: 环境保护 is a small class
    balanced = TextClassifier(cv=2).fit(texts, labels)
    plain = TextClassifier(cv=2, balanced=False).fit(texts, labels)
    small = balanced.classes_.index("环境保护")
    x = balanced.featurizer.transform(texts)
    y = np.searchsorted(np.array(balanced.classes_), np.array(labels))
    # Both base models (SVM, NB-SVM) give the small class a higher intercept when balanced.
    for (_, b_bal), (_, b_plain) in zip(
        balanced._fit_models(x, y, 3), plain._fit_models(x, y, 3), strict=True
    ):
        assert b_bal[small] > b_plain[small]
    assert not np.allclose(balanced.coef_, plain.coef_)


def _rewrite_header(src: Path, dst: Path, **changes) -> None:
    with np.load(src, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    header = json.loads(arrays["header"].tobytes().decode())
    header.update(changes)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    dst.write_bytes(buf.getvalue())


@pytest.mark.parametrize("version", [3, FORMAT_VERSION + 1])
def test_wrong_format_version_raises_model_format_error(tiny_model, tmp_path, version):
    """Format 3 (refitted model, threshold chosen on other models' probabilities) and unknown
    versions are refused with a message that says to retrain."""
    assert FORMAT_VERSION == 4
    good = tmp_path / "good.model"
    tiny_model.save(good)
    bad = tmp_path / "old.model"
    _rewrite_header(good, bad, format_version=version)
    with pytest.raises(ModelFormatError) as exc:
        TextClassifier.load(bad)
    assert "格式版本" in str(exc.value) and "format version" in str(exc.value)
    assert "重新训练" in str(exc.value)


@pytest.mark.parametrize("kind", ["text", "empty", "zip_without_header", "other_npz"])
def test_file_that_is_not_a_model_raises_model_format_error(tmp_path, kind):
    path = tmp_path / "x.model"
    if kind == "text":
        path.write_text("这不是模型 not a model", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "zip_without_header":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    else:
        buf = io.BytesIO()
        np.savez(buf, header=np.frombuffer(b'{"magic": "other"}', np.uint8))
        path.write_bytes(buf.getvalue())
    with pytest.raises(ModelFormatError) as exc:
        TextClassifier.load(path)
    assert "不是分拣模型" in str(exc.value) and "not a triage model" in str(exc.value)


@pytest.mark.parametrize(
    "texts, labels",
    [
        (["噪音 扰民", ""], ["环境保护", "交通运输"]),  # empty text
        (["噪音 扰民", "   "], ["环境保护", "交通运输"]),  # blank text
        (["噪音 扰民", "the road is blocked"], ["环境保护", "交通运输"]),  # no Chinese
        (["噪音 扰民", "道路 拥堵"], None),  # labels missing
        (["噪音 扰民", "道路 拥堵"], ["环境保护", ""]),  # empty label
        (["噪音 扰民", "道路 拥堵"], ["环境保护", None]),  # missing label
        (["噪音 扰民", "道路 拥堵"], ["环境保护"]),  # length mismatch
        (["噪音 扰民", "道路 拥堵"], ["环境保护", "环境保护"]),  # one class only
        (
            ["噪音 扰民", "道路 拥堵", "河道 污染"],
            ["环境保护", "交通运输", "环境保护"],
        ),  # 1 example
        ([], []),  # nothing
        ("噪音 扰民", ["环境保护"]),  # a bare string, not a list
    ],
)
def test_bad_training_input_raises_triage_input_error(texts, labels):
    with pytest.raises(TriageInputError):
        TextClassifier().fit(texts, labels)


@pytest.mark.parametrize("text", ["", "  ", "Hello, this is English only.", "12345 !!!", None])
def test_bad_prediction_input_raises_triage_input_error(tiny_model, text):
    with pytest.raises(TriageInputError) as exc:
        tiny_model.predict_top(["噪音 扰民", text])
    assert "第 2 条" in str(exc.value)


def test_unfitted_model_raises_triage_input_error():
    with pytest.raises(TriageInputError):
        TextClassifier().predict_top(["噪音 扰民"])


def test_read_labelled_csv(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("text,label\n噪音 扰民,环境保护\n道路 拥堵,交通运输\n", encoding="utf-8")
    assert read_labelled_csv(good) == (["噪音 扰民", "道路 拥堵"], ["环境保护", "交通运输"])

    no_col = tmp_path / "no_col.csv"
    no_col.write_text("content,label\n噪音,环境保护\n", encoding="utf-8")
    with pytest.raises(TriageInputError, match="缺少列“text”"):
        read_labelled_csv(no_col)

    empty_label = tmp_path / "empty_label.csv"
    empty_label.write_text("text,label\n噪音,环境保护\n道路,\n", encoding="utf-8")
    with pytest.raises(TriageInputError, match="第 3 行标签为空"):
        read_labelled_csv(empty_label)

    empty_text = tmp_path / "empty_text.csv"
    empty_text.write_text("text,label\n ,环境保护\n", encoding="utf-8")
    with pytest.raises(TriageInputError, match="第 2 行文本为空"):
        read_labelled_csv(empty_text)

    with pytest.raises(TriageInputError):
        read_labelled_csv(tmp_path / "absent.csv")


def test_tokenize_treats_raw_and_segmented_text_alike():
    assert is_segmented("市 西湖 建筑 集团 占 道 施工")
    assert not is_segmented("A市西湖建筑集团占道施工，有安全隐患。")
    seg = tokenize("市 西湖 建筑 ， 集团 的 A _x000D_ 占 道 施工")
    assert seg == ["市", "西湖", "建筑", "集团", "占", "道", "施工"]
    raw = tokenize("西湖建筑集团占道施工，有安全隐患！")
    assert "施工" in raw and "，" not in raw and "！" not in raw


def test_choose_threshold_on_the_bare_share():
    # z=0: the measured share itself. 10 predictions, the two least confident are wrong.
    pairs = [(0.99, True), (0.95, True), (0.9, True), (0.85, True), (0.8, True)]
    pairs += [(0.75, True), (0.7, True), (0.65, True), (0.6, False), (0.55, False)]
    assert choose_threshold(pairs, 0.98, z=0) == 0.65
    assert choose_threshold(pairs, 0.8, z=0) == 0.55  # 8/10 right at >= 0.55
    assert choose_threshold([(0.9, False), (0.8, True)], 0.98, z=0) is None
    assert choose_threshold([], 0.98, z=0) is None
    # Ties are cut together: 0.9 holds one wrong and one right prediction.
    assert choose_threshold([(0.95, True), (0.9, True), (0.9, False)], 0.98, z=0) == 0.95


def test_wilson_lower_bound():
    assert wilson_lower_bound(0, 10) == pytest.approx(0.0, abs=1e-12)
    # 100 of 100 right: n / (n + z^2).
    assert wilson_lower_bound(100, 100) == pytest.approx(100 / (100 + THRESHOLD_Z**2))
    # Same as scipy's Wilson interval (81 of 100 right, 95 % two-sided: z = 1.96).
    from scipy.stats import binomtest

    ref = binomtest(81, 100).proportion_ci(confidence_level=0.95, method="wilson").low
    assert wilson_lower_bound(81, 100, z=1.959964) == pytest.approx(ref, abs=1e-6)
    assert wilson_lower_bound(50, 100, z=0) == pytest.approx(0.5)
    assert wilson_lower_bound(990, 1000) > wilson_lower_bound(99, 100)


def test_choose_threshold_asks_for_evidence():
    """The default rule wants the Wilson lower bound (one-sided 90 %) of the precision above the
    threshold to reach the target, so it cuts lower than the bare share, and not at all
    when there are too few predictions to tell."""
    # 100 right predictions, all sure; below them, 1 wrong in every 100 (precision 0.99).
    pairs = [(1.0 - i * 1e-4, True) for i in range(100)]
    pairs += [(0.9 - i * 1e-4, i % 100 != 50) for i in range(900)]
    pairs += [(0.5 - i * 1e-4, i % 5 != 0) for i in range(200)]  # then 80 % right
    bare = choose_threshold(pairs, 0.98, z=0)
    strict = choose_threshold(pairs, 0.98)
    assert bare is not None and strict is not None and strict > bare
    top = np.array([p for p, _ in pairs])
    ok = np.array([c for _, c in pairs])
    above = top >= strict
    assert wilson_lower_bound(ok[above].sum(), above.sum()) >= 0.98
    # Precision 1.0 on 60 predictions: bound 60 / (60 + z^2) = 0.973 < 0.98, not enough
    # evidence; on 100: 0.984.
    assert choose_threshold([(0.99, True)] * 60, 0.98) is None
    assert choose_threshold([(0.99, True)] * 100, 0.98) == 0.99
    assert choose_threshold([(0.99, True)] * 100, 0.98, z=1.645) is None  # 95 %: 0.974
    # A dip still stops the search, even if the bound recovers below it.
    dip = [(0.99, True)] * 200 + [(0.9, False)] * 10 + [(0.8, True)] * 5000
    assert choose_threshold(dip, 0.98) == 0.99


def test_evaluate_returns_the_documented_keys():
    texts, labels = synthetic(12, seed=1)
    test_texts, test_labels = synthetic(4, seed=2)
    result = evaluate(texts, labels, test_texts, test_labels)
    assert set(result) == {
        "macro_f1",
        "accuracy",
        "per_class",
        "train_s",
        "per_s",
        "auto_coverage",
        "auto_precision",
        "threshold",
    }
    assert result["macro_f1"] > 0.9
    assert set(result["per_class"]) == set(TOPICS)
    assert 0.0 <= result["auto_coverage"] <= 1.0


def _shared_data() -> Path:
    env = os.environ.get("YIWANG_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


@pytest.mark.realdata
def test_real_messages_fixed_split_quick_settings():
    """train.csv (2020 泰迪杯 群众留言), a fixed stratified split, quick settings (< ~60 s)."""
    path = _shared_data() / "tipdm2020-gov-messages" / "train.csv"
    if not path.is_file():
        pytest.skip(f"real data not available: {path} is absent (set YIWANG_SHARED_DATA)")
    from sklearn.model_selection import train_test_split

    texts, labels = read_labelled_csv(path)
    # 3,000 training and 1,000 test messages keep this quick; the full figures are in bench.py.
    tr_x, te_x, tr_y, te_y = train_test_split(
        texts, labels, train_size=3000, test_size=1000, stratify=labels, random_state=7
    )
    result = evaluate(tr_x, tr_y, te_x, te_y, use_nbsvm=False, cv=2)
    assert result["macro_f1"] >= 0.86, result
    assert result["accuracy"] >= 0.88, result
    assert result["threshold"] is not None
    assert result["auto_coverage"] >= 0.4 and result["auto_precision"] >= 0.95, result
    assert result["per_s"] >= 200, result  # the real figure is >= 1,000/s; CI machines vary


# ---------------------------------------------------------------- similarity


def test_similarity_identical_is_one_and_unrelated_is_near_zero():
    a = "A3区杜鹃路奥克斯缔壹城二期连廊存在安全隐患"
    assert text_similarity(a, a) == 1.0
    assert text_similarity(a, "  " + a + "！") == 1.0  # punctuation and spaces ignored
    assert text_similarity(a, "请问社保卡怎么补办") < 0.05
    assert text_similarity(a, "") == 0.0
    assert text_similarity("hello", "world") == 0.0


def test_similarity_ranks_near_duplicates_first():
    query = "A7县星沙中茂城恶意拖欠购房资金不退还"
    candidates = [
        "请问公积金贷款需要什么材料",
        "星沙中茂城拖欠购房资金一直不退还",
        "A7县星沙中茂城恶意拖欠购房资金不退还！",
        "幼儿园学位紧张",
    ]
    ranked = most_similar(query, candidates, top=3)
    assert [i for i, _ in ranked[:2]] == [2, 1]
    assert ranked[0][1] == 1.0 and 0.5 < ranked[1][1] < 1.0
    assert text_similarity(query, candidates[1]) == pytest.approx(ranked[1][1])
    assert text_similarity(candidates[1], query) == pytest.approx(ranked[1][1])
    assert most_similar(query, []) == []
    m = similarity_matrix([query], candidates)
    assert m.shape == (1, 4) and (m >= 0).all() and (m <= 1).all()


def test_duplicate_index_matches_most_similar():
    candidates = [
        "丽发新城小区旁建搅拌站噪音扰民",
        "丽发新城小区旁建搅拌站，噪音扰民严重",
        "请问社保卡怎么补办",
        "社保卡补办要带什么材料",
        "噪",
    ]
    index = DuplicateIndex(candidates)
    for query in ["丽发新城搅拌站噪音", "社保卡怎么补办？", "噪", "完全无关的话题", "english"]:
        expected = most_similar(query, candidates, top=3)
        got = index.query(query, top=3)
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    assert DuplicateIndex([]).query("噪音") == []


def test_group_duplicates():
    texts = [
        "丽发新城小区旁建搅拌站噪音扰民",
        "丽发新城小区旁建搅拌站，噪音扰民严重",
        "请问社保卡怎么补办",
    ]
    groups = group_duplicates(texts, threshold=0.5)
    assert groups[0] == groups[1] != groups[2]


# ---------------------------------------------------------------- hotspots


def test_poisson_warning_fires_on_spike_not_on_steady_series():
    steady = [3, 4, 2, 3, 5, 3, 2, 4, 3, 3, 4, 2, 3, 3] * 2
    assert not check_hotspot(4, steady).is_warning
    assert not check_hotspot(6, steady).is_warning
    spike = check_hotspot(15, steady)
    assert spike.is_warning and spike.p_value < 0.001
    assert spike.expected == pytest.approx((sum(steady) + 0.5) / 28)
    assert spike.observed == 15


def test_sparse_series_needs_a_minimum_count():
    zeros = [0] * 28
    assert not check_hotspot(1, zeros).is_warning
    assert not check_hotspot(2, zeros).is_warning  # p is small but below min_count
    assert check_hotspot(3, zeros).is_warning
    assert warning_threshold(zeros) == 3


def test_poisson_false_alarm_rate_is_about_alpha():
    rng = np.random.default_rng(42)
    n_days, alarms = 20_000, 0
    for _ in range(n_days):
        series = rng.poisson(3.0, 29)
        alarms += check_hotspot(int(series[-1]), series[:-1].tolist()).is_warning
    assert alarms <= 2 * 0.001 * n_days  # expected about 0.0008 * 20,000 = 16


def test_hotspot_rejects_bad_input():
    with pytest.raises(ValueError):
        check_hotspot(1, [])
    with pytest.raises(ValueError):
        check_hotspot(-1, [0] * 28)
    with pytest.raises(ValueError):
        check_hotspot(1, [0] * 28, alpha=0)
