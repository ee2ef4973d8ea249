"""智能分拣: classify a citizen message (群众留言 / 工单) into its first-level category (一级分类).

Pure Python (numpy, scipy, scikit-learn, jieba); no Django.

Pipeline
--------
1. Text preparation. Input is either pre-segmented (jieba tokens separated by spaces, as in the
   training file) or raw Chinese; raw text is segmented with jieba. Punctuation, function words
   (停用词) and stray single letters/digits are dropped, so both kinds of input look alike.
2. Features, each block TF-IDF weighted (sublinear tf, smooth idf, L2-normalised per block):
   word unigrams; character 1-3-grams of the text with spaces removed; and two blocks of the
   title (留言主题): its character 1-3-grams scaled by 0.7 (``head_weight``) and its words scaled
   by 0.5 (``head_word_weight``). The title is the text before the first break (two or more
   spaces, an ideographic space, a tab or a line break) when that is 1-30 tokens, else the first
   12 tokens (:func:`title_and_tokens`); the title blocks repeat words of the body, and 1.0
   over-weights them. Character n-grams are hashed with a stable 22-bit hash in numpy (fast, no
   Python loop per n-gram) and only those seen in >= 2 training messages are kept.
3. Two linear models, both with class-balanced weights (each class weighs as much in the loss
   whatever its size, which helps the macro-F1 of small classes such as 交通运输): a
   one-vs-rest linear SVM, and an NB-SVM (one SVM per class on features scaled by that class's
   naive-Bayes log-count ratio).
4. Cross-fitting and stacking: the rows are cut into ``cv`` stratified folds; for each fold,
   both models are fitted on the other folds and score it, so every row gets decision values
   from models that never saw it. A multinomial logistic regression (:func:`fit_stacker`) on
   those out-of-fold values gives calibrated class probabilities; it mixes the 2 x 7 decision
   values per class, not just a weight per model. The saved model is the stacker applied to
   the *average* of the fold models: everything is linear, so it is one weight matrix and one
   intercept; probabilities are their softmax. Until format 3 the two models were refitted on
   all rows instead, a model more sure of itself than the fold models whose out-of-fold
   probabilities chose the threshold (98.1 % precision in cross-validation was 97.5 % on
   unseen messages); the average of the fold models is what was measured.
5. Auto-dispatch (自动派单) threshold, from probabilities that nothing fitted on the row they
   score: the stacker too is cross-validated on the out-of-fold values. The threshold is the
   smallest top probability at or above which the Wilson lower bound (one-sided,
   ``THRESHOLD_Z``) of the share of right predictions is >= 98 % (:func:`choose_threshold`).

The saved model is a numpy ``.npz`` archive (no pickle: loading cannot run code) holding a JSON
header with ``FORMAT_VERSION`` and the library versions used for training.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

# 2: head block weighted (head_weight), class-balanced models
# 3: title blocks (head chars + head words), stacked models (no temperature), Wilson threshold
# 4: the saved model is the average of the cross-fitted fold models the threshold was chosen on
FORMAT_VERSION = 4
MAGIC = "yiwang-triage-model"
TARGET_PRECISION = 0.98
THRESHOLD_Z = 1.2816  # auto-dispatch threshold: one-sided 90 % Wilson bound on its precision

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Whole tokens that are punctuation/symbols only, a single ASCII letter or digit, or the
# spreadsheet line-break residue "_x000D_".
_NOISE_TOKEN = re.compile(
    r"(?<!\S)(?:_?x000D_?|[0-9A-Za-z]|[^\s0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)(?!\S)"
)
# Function words dropped from the training file by its tokeniser; dropped here from raw input
# too, so raw and pre-segmented text give the same features.
STOPWORDS = frozenset(
    """的 了 在 是 我 我们 和 有 不 也 都 没有 为 就 到 对 与 要 给 还 并 这 等 被 上 去 但 又 让
    能 将 可以 该 来 不能 而 向 有关 他们 吗 个 会 这样 什么 作为 一 由 就是 本人 自己 把 从 按
    或者 其 以 不是 多次 关于 通过 可 或 这些 其他 于 及 因为 为了 这个 过 为什么 您 他 因 只有
    才 你 内 根据 没 任何 但是 着 此 地 由于 更 如果 之 她 很多 而且 时候 开始 第 很 所 还是 呢
    本 们 必须 按照 怎么 还有 这么 且 至 均 经过 以及 结果 并且 你们 各种 可能 啊 所以 为何 谁
    不要 如何 同时 才能 如此 不得 那么 吧 那 因此 经 这里 当 只是 非常 像 难道 大家 连 跟 对于
    多少 其中 如 不会 得 只要 一样 甚至 可是 自 然后 哪里 仍 另 之一 后来 起来 有些 即 等等 各
    不少 的话 比 竟然 那些 经常 不管 它 何时 除 便 不仅 不了 怎样 随着 如下 到底 虽然 依照 另外
    哪些 据 然而 不同 否则 既然 首先 仅 某 每 那里 到处 亲自 而是 故意 加上 既 其实 及其 一切
    仍然 于是 从未 就算 不但 哪 如今 其它 比如""".split()
)


class TriageInputError(ValueError):
    """Bad input for training or prediction (empty text, not Chinese, missing labels...)."""


class ModelFormatError(Exception):
    """The file is not a triage model, or was written in another format version."""


# ---------------------------------------------------------------- text preparation


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def is_segmented(text: str) -> bool:
    """True when ``text`` looks pre-segmented: space-separated tokens averaging < 5 characters
    (jieba output averages about 3.2 with its spaces; raw Chinese has few or no spaces)."""
    n_spaces = text.count(" ")
    return n_spaces >= 1 and n_spaces * 5 >= len(text.strip())


def _jieba_cut(text: str) -> list[str]:
    """jieba's dictionary segmentation without the HMM for unknown words: 2.5x faster, and as
    accurate here (unknown words fall back to single characters, which the char features
    cover). The first call loads jieba's dictionary (about 1 s)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text, HMM=False)


def tokenize(text: str, segmented: bool | None = None) -> list[str]:
    """Tokens of a message: split on spaces if pre-segmented, else jieba; noise dropped.
    ``segmented`` overrides :func:`is_segmented` (for a part of a message)."""
    if segmented is None:
        segmented = is_segmented(text)
    joined = text if segmented else " ".join(_jieba_cut(text))
    return [tok for tok in _NOISE_TOKEN.sub(" ", joined).split() if tok not in STOPWORDS]


# The end of the 留言主题 (title) in a message: a run of two or more spaces, an ideographic
# space, a tab or a line break. 77 % of the training messages have one (title, then body).
_TITLE_END = re.compile(r"\s{2,}|[\u3000\t\r\n]")
MAX_TITLE_TOKENS = 30


def title_and_tokens(text: str, head_tokens: int = 12) -> tuple[list[str], list[str]]:
    """``(title tokens, all tokens)`` of a message. The title is what comes before the first
    title break (:data:`_TITLE_END`) when that is 1..``MAX_TITLE_TOKENS`` tokens long, else the
    first ``head_tokens`` tokens."""
    segmented = is_segmented(text)
    m = _TITLE_END.search(text)
    if m and text[: m.start()].strip():
        title = tokenize(text[: m.start()], segmented)
        toks = title + tokenize(text[m.end() :], segmented)
        if 0 < len(title) <= MAX_TITLE_TOKENS:
            return title, toks
        return toks[:head_tokens], toks
    toks = tokenize(text, segmented)
    return toks[:head_tokens], toks


def _check_texts(texts: Sequence[str], what: str = "文本") -> list[str]:
    if isinstance(texts, str):
        raise TriageInputError(f"{what}应为文本列表，而不是单个字符串 (expected a list of texts)")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise TriageInputError(f"第 {i + 1} 条{what}为空 (text #{i + 1} is empty)")
        if not has_chinese(text):
            raise TriageInputError(
                f"第 {i + 1} 条{what}不含中文，无法分拣 (text #{i + 1} has no Chinese characters)"
            )
    return texts


def _check_labels(labels: Sequence, n: int, min_classes: int = 2) -> list[str]:
    if labels is None:
        raise TriageInputError("缺少标签 (labels are missing)")
    labels = list(labels)
    if len(labels) != n:
        raise TriageInputError(f"文本 {n} 条而标签 {len(labels)} 条，数量不一致 (length mismatch)")
    out = []
    for i, lab in enumerate(labels):
        lab = "" if lab is None else str(lab).strip()
        if not lab:
            raise TriageInputError(f"第 {i + 1} 条标签为空 (label #{i + 1} is empty)")
        out.append(lab)
    if len(set(out)) < min_classes:
        raise TriageInputError("至少需要两个类别才能训练 (need at least 2 classes)")
    return out


def read_labelled_csv(
    path: str | Path, text_col: str = "text", label_col: str = "label"
) -> tuple[list[str], list[str]]:
    """Read ``(texts, labels)`` from a UTF-8 CSV with a header row.

    Raises :class:`TriageInputError` when the file is missing, a column is absent, or a row has
    an empty text or label; row numbers count the header as row 1, like a spreadsheet.
    """
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise TriageInputError(f"无法读取文件 {path}: {exc} (cannot read file)") from exc
    with handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        for col in (text_col, label_col):
            if col not in fields:
                raise TriageInputError(
                    f"CSV 缺少列“{col}”，现有列: {', '.join(fields) or '无'} (missing column)"
                )
        texts, labels = [], []
        for row_no, row in enumerate(reader, start=2):
            text = (row.get(text_col) or "").strip()
            label = (row.get(label_col) or "").strip()
            if not text:
                raise TriageInputError(f"第 {row_no} 行文本为空 (row {row_no}: empty text)")
            if not label:
                raise TriageInputError(f"第 {row_no} 行标签为空 (row {row_no}: empty label)")
            texts.append(text)
            labels.append(label)
    if not texts:
        raise TriageInputError(f"文件 {path} 没有数据行 (no data rows)")
    return texts, labels


# ---------------------------------------------------------------- features

_M64 = np.uint64(0x9E3779B97F4A7C15)  # multiplicative-hash constant (odd)
_P64 = np.uint64(1_000_003)
HASH_BITS = 22  # 4M buckets; only buckets seen in >= min_df training messages become features


def _char_ngram_hashes(docs: Sequence[str], nmax: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, bucket) of every character 1..nmax-gram of every doc, computed in numpy.

    The bucket is a stable multiplicative hash (same on every machine and Python process) of
    the n-gram's code points, reduced to ``HASH_BITS`` bits.
    """
    lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc_of = np.repeat(np.arange(len(docs)), lens)
    room = np.repeat(np.cumsum(lens), lens) - np.arange(total)  # chars left in the doc
    docs_out, buckets_out = [], []
    h = codes
    with np.errstate(over="ignore"):
        for n in range(1, nmax + 1):
            if n > 1:
                h = h[:-1] * _P64 + codes[n - 1 :]
            ok = room[: len(h)] >= n
            mixed = (h[ok] + np.uint64(n)) * _M64
            buckets_out.append((mixed >> np.uint64(64 - HASH_BITS)).astype(np.int64))
            docs_out.append(doc_of[: len(h)][ok])
    return np.concatenate(docs_out), np.concatenate(buckets_out)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf x idf, rows L2-normalised."""
    x = counts.tocsr()
    x.sum_duplicates()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    norms = np.sqrt(
        np.bincount(
            np.repeat(np.arange(x.shape[0]), np.diff(x.indptr)),
            weights=x.data**2,
            minlength=x.shape[0],
        )
    )
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr))
    return x


def _smooth_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


class _CharBlock:
    """Hashed character n-gram TF-IDF (n = 1..nmax); buckets with df < min_df are dropped."""

    def __init__(self, nmax: int, min_df: int = 2):
        self.nmax, self.min_df = nmax, min_df
        self.idf = np.zeros(0)
        self.keys = np.zeros(0, np.int64)  # kept buckets, sorted; column j <-> keys[j]
        self._table: np.ndarray | None = None

    def set_keys(self, keys: np.ndarray, idf: np.ndarray) -> None:
        self.keys, self.idf = np.asarray(keys, np.int64), np.asarray(idf, np.float64)
        table = np.full(1 << HASH_BITS, -1, dtype=np.int32)
        table[self.keys] = np.arange(len(self.keys), dtype=np.int32)
        self._table = table

    def fit(self, docs: Sequence[str]) -> _CharBlock:
        rows, buckets = _char_ngram_hashes(docs, self.nmax)
        pairs = np.unique(rows * (1 << HASH_BITS) + buckets)  # one per (doc, bucket)
        keys, df = np.unique(pairs & ((1 << HASH_BITS) - 1), return_counts=True)
        keep = df >= self.min_df
        self.set_keys(keys[keep], _smooth_idf(df[keep], len(docs)))
        return self

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        rows, buckets = _char_ngram_hashes(docs, self.nmax)
        cols = self._table[buckets]
        ok = cols >= 0
        counts = sp.csr_matrix(
            (np.ones(int(ok.sum())), (rows[ok], cols[ok])), shape=(len(docs), len(self.keys))
        )
        return _tfidf(counts, self.idf)


class _WordBlock:
    """Word-unigram TF-IDF over the given tokens (vocabulary: words in >= min_df messages)."""

    def __init__(self, min_df: int = 1):
        self.min_df = min_df
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0)

    def fit(self, token_lists: Sequence[list[str]]) -> _WordBlock:
        df: dict[str, int] = {}
        for toks in token_lists:
            for tok in set(toks):
                df[tok] = df.get(tok, 0) + 1
        words = sorted(w for w, c in df.items() if c >= self.min_df)
        self.vocab = {w: i for i, w in enumerate(words)}
        counts = np.array([df[w] for w in words], dtype=np.float64)
        self.idf = _smooth_idf(counts, len(token_lists))
        return self

    def transform(self, token_lists: Sequence[list[str]]) -> sp.csr_matrix:
        get = self.vocab.get
        cols = [[j for j in map(get, toks) if j is not None] for toks in token_lists]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        idx = np.fromiter((j for c in cols for j in c), dtype=np.int64, count=int(indptr[-1]))
        counts = sp.csr_matrix(
            (np.ones(len(idx)), idx, indptr), shape=(len(token_lists), len(self.vocab))
        )
        return _tfidf(counts, self.idf)


class Featurizer:
    """Word unigrams, char 1..char_n-grams, then the title (:func:`title_and_tokens`): its
    char 1-3-grams multiplied by ``head_weight`` and its words by ``head_word_weight``."""

    def __init__(
        self,
        head_tokens: int = 12,
        char_n: int = 3,
        head_weight: float = 0.7,
        head_word_weight: float = 0.5,
    ):
        self.head_tokens, self.head_weight = head_tokens, head_weight
        self.head_word_weight = head_word_weight
        self.words = _WordBlock()
        self.chars = _CharBlock(char_n)
        self.head = _CharBlock(3)
        self.head_words = _WordBlock()

    def _views(self, texts: Sequence[str]):
        pairs = [title_and_tokens(t, self.head_tokens) for t in texts]
        toks = [t for _, t in pairs]
        titles = [h for h, _ in pairs]
        return toks, ["".join(t) for t in toks], ["".join(h) for h in titles], titles

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        toks, chars, head, titles = self._views(texts)
        self.words.fit(toks)
        self.chars.fit(chars)
        self.head.fit(head)
        self.head_words.fit(titles)
        return self._stack(toks, chars, head, titles)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._stack(*self._views(texts))

    def _stack(self, toks, chars, head, titles) -> sp.csr_matrix:
        blocks = [
            self.words.transform(toks),
            self.chars.transform(chars),
            self.head.transform(head) * self.head_weight,
            self.head_words.transform(titles) * self.head_word_weight,
        ]
        return sp.hstack(blocks, format="csr")

    @property
    def n_features(self) -> int:
        return (
            len(self.words.vocab)
            + len(self.chars.keys)
            + len(self.head.keys)
            + len(self.head_words.vocab)
        )


# ---------------------------------------------------------------- models


def _svc(C: float, seed: int, class_weight=None) -> LinearSVC:
    return LinearSVC(C=C, max_iter=3000, random_state=seed, class_weight=class_weight)


def _fit_svm(x: sp.csr_matrix, y: np.ndarray, n_classes: int, C: float, seed: int, balanced: bool):
    """One-vs-rest linear SVM -> (W: classes x features, b)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = _svc(C, seed, "balanced" if balanced else None).fit(x, y)
    if n_classes == 2:  # sklearn returns a single row for binary problems
        return np.vstack([-m.coef_[0], m.coef_[0]]), np.array([-m.intercept_[0], m.intercept_[0]])
    return m.coef_, m.intercept_


def _fit_nbsvm(
    x: sp.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    C: float,
    alpha: float,
    seed: int,
    balanced: bool,
):
    """NB-SVM: per class, an SVM on features scaled by the naive-Bayes log-count ratio
    (``balanced``: the class and the rest weigh the same). Returns the equivalent weights on
    the unscaled features."""
    xb = x.copy()
    xb.data = np.ones_like(xb.data)
    W = np.zeros((n_classes, x.shape[1]))
    b = np.zeros(n_classes)
    for k in range(n_classes):
        pos = y == k
        p = np.asarray(xb[pos].sum(axis=0)).ravel() + alpha
        q = np.asarray(xb[~pos].sum(axis=0)).ravel() + alpha
        r = np.log((p / p.sum()) / (q / q.sum()))
        weights = "balanced" if balanced else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m = _svc(C, seed, weights).fit(x @ sp.diags(r), pos.astype(int))
        W[k] = m.coef_[0] * r
        b[k] = m.intercept_[0]
    return W, b


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _stacker(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=2000)


def fit_stacker(
    decisions: Sequence[np.ndarray], y: np.ndarray, n_classes: int, C: float = 1.0
) -> tuple[list[np.ndarray], np.ndarray]:
    """Multinomial logistic regression on the models' out-of-fold decision values side by side
    (n x (models * classes)). Returns ``(A, c)`` with the class logits
    ``sum_m decisions[m] @ A[m].T + c``: one ``classes x classes`` matrix per model, so each
    class's score may lean on the other classes' decision values too (it learns, say, that a
    high 城乡建设 score of the SVM also speaks for 环境保护), and the result is calibrated."""
    m = _stacker(C).fit(np.hstack(decisions), y)
    coef, intercept = m.coef_, m.intercept_
    if n_classes == 2:  # a single logit z for class 1: softmax([-z/2, z/2]) = sigmoid(z)
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    k = n_classes
    return [coef[:, i * k : (i + 1) * k] for i in range(len(decisions))], intercept


def expected_calibration_error(top_probs, correct, n_bins: int = 10) -> float:
    """ECE of the top-1 probability: bin-weighted |accuracy - confidence|, equal-width bins."""
    p = np.asarray(top_probs, dtype=float)
    c = np.asarray(correct, dtype=float)
    if len(p) == 0:
        return 0.0
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for k in range(n_bins):
        m = bins == k
        if m.any():
            ece += m.mean() * abs(c[m].mean() - p[m].mean())
    return float(ece)


def wilson_lower_bound(right, n, z: float = THRESHOLD_Z):
    """Wilson score lower bound of a proportion ``right / n`` (``z`` = 1.2816: one-sided 90 %;
    1.645: 95 %)."""
    right = np.asarray(right, dtype=float)
    n = np.asarray(n, dtype=float)
    p = right / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0.0))
    return (centre - spread) / (1 + z2 / n)


def choose_threshold(
    probs_correct_pairs: Iterable[tuple[float, bool]],
    target_precision: float = TARGET_PRECISION,
    z: float = THRESHOLD_Z,
) -> float | None:
    """Smallest top-probability threshold t such that, among the predictions with probability
    >= t, the Wilson lower bound (``z``) of the share that is right is >= ``target_precision``,
    and the share itself stays >= ``target_precision`` for every higher threshold (so the choice
    does not sit past a dip). The bound asks for evidence, not just a lucky sample: 98 % measured
    on out-of-fold predictions was 97.9 % on unseen messages. ``z=0`` gives the bare share.
    ``None`` when no threshold qualifies (always so with fewer than ``z**2 * target / (1 -
    target)`` predictions, about 80 for the defaults).
    """
    pairs = sorted(((float(p), bool(ok)) for p, ok in probs_correct_pairs), reverse=True)
    if not pairs:
        return None
    probs = np.array([p for p, _ in pairs])
    right = np.cumsum([ok for _, ok in pairs])
    n = np.arange(1, len(pairs) + 1)
    # Only cut between distinct probabilities: the last index of each run of equal values.
    last = np.r_[probs[1:] != probs[:-1], True]
    precision = right / n
    bound = wilson_lower_bound(right, n, z) if z > 0 else precision
    best = None
    for i in np.flatnonzero(last):
        if precision[i] + 1e-12 < target_precision:
            break
        if bound[i] + 1e-12 >= target_precision:
            best = float(probs[i])
    return best


def coverage_precision(top_probs, correct, threshold: float | None) -> tuple[float, float]:
    """Share of predictions at or above ``threshold`` and the accuracy among them."""
    p = np.asarray(top_probs, dtype=float)
    c = np.asarray(correct, dtype=bool)
    if threshold is None or len(p) == 0:
        return 0.0, float("nan")
    m = p >= threshold
    return float(m.mean()), float(c[m].mean()) if m.any() else float("nan")


class TextClassifier:
    """Calibrated linear text classifier for 工单 categories; see the module docstring."""

    def __init__(
        self,
        C: float = 1.0,
        nb_alpha: float = 1.0,
        cv: int = 3,
        use_nbsvm: bool = True,
        head_tokens: int = 12,
        char_n: int = 3,
        head_weight: float = 0.7,
        head_word_weight: float = 0.5,
        balanced: bool = True,
        stack_C: float = 1.0,
        target_precision: float = TARGET_PRECISION,
        threshold_z: float = THRESHOLD_Z,
        random_state: int = 0,
        refit: bool = False,
    ):
        self.C, self.nb_alpha, self.cv, self.use_nbsvm = C, nb_alpha, cv, use_nbsvm
        self.head_tokens, self.char_n, self.head_weight = head_tokens, char_n, head_weight
        self.head_word_weight = head_word_weight
        self.balanced, self.stack_C = balanced, stack_C
        self.target_precision, self.threshold_z = target_precision, threshold_z
        self.random_state, self.refit = random_state, refit
        self.classes_: list[str] = []
        self.featurizer: Featurizer | None = None
        self.coef_ = np.zeros((0, 0), np.float32)
        self.intercept_ = np.zeros(0)
        self.threshold_: float | None = None
        self.oof_top_probs_ = np.zeros(0)
        self.oof_correct_ = np.zeros(0, bool)
        # (rows fitted, rows scored) of each fold model, indices into the texts given to fit;
        # not saved.
        self.folds_: list[tuple[np.ndarray, np.ndarray]] = []
        self.stack_: tuple[list[np.ndarray], np.ndarray] = ([], np.zeros(0))  # not saved
        self.info_: dict = {}

    # -- training
    def _fit_models(self, x, y, k):
        seed, balanced = self.random_state, self.balanced
        parts = [_fit_svm(x, y, k, self.C, seed, balanced)]
        if self.use_nbsvm:
            parts.append(_fit_nbsvm(x, y, k, self.C, self.nb_alpha, seed, balanced))
        return parts

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        """Cross-fit ``cv`` fold models, stack them, choose the threshold on the rows each fold
        model did not see, and keep the average of the fold models (module doc, 4-5)."""
        t0 = time.perf_counter()
        texts = _check_texts(texts)
        labels = _check_labels(labels, len(texts))
        self.classes_ = sorted(set(labels))
        y = np.searchsorted(np.array(self.classes_), np.array(labels))
        k = len(self.classes_)
        folds = min(self.cv, int(np.bincount(y).min()))
        if folds < 2:
            raise TriageInputError("每个类别至少需要 2 条样本 (each class needs >= 2 examples)")
        self.featurizer = Featurizer(
            self.head_tokens, self.char_n, self.head_weight, self.head_word_weight
        )
        x = self.featurizer.fit_transform(texts)  # idf from all texts: unsupervised, no labels
        oof, members = self._cross_fit(x, y, k, folds)
        mix, bias = fit_stacker(list(oof), y, k, self.stack_C)
        self.stack_ = (mix, bias)  # folded into coef_ and intercept_
        self._choose_threshold(oof, y)
        # The fold models are linear, so is their average and so is the stacker: one weight
        # matrix in all. No refit on all rows: that model would be more sure of itself than the
        # fold models the threshold was chosen on.
        parts = [
            (np.mean([m[j][0] for m in members], axis=0), np.mean([m[j][1] for m in members], 0))
            for j in range(len(members[0]))
        ]
        if self.refit:  # format 3's model, kept to measure the difference
            parts = self._fit_models(x, y, k)
        self.coef_ = sum(a @ W for a, (W, _) in zip(mix, parts, strict=True)).astype(np.float32)
        self.intercept_ = sum(a @ b for a, (_, b) in zip(mix, parts, strict=True)) + bias
        self.info_ = self._fit_info(len(texts), folds, time.perf_counter() - t0)
        return self

    def _cross_fit(self, x, y, k: int, folds: int):
        """Fold models and their out-of-fold decision values (models x rows x classes): each
        row's values come from models that were not fitted on it."""
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        oof, members, self.folds_ = None, [], []
        for tr, te in splitter.split(np.zeros(len(y)), y):
            parts = self._fit_models(x[tr], y[tr], k)
            dec = np.stack([x[te] @ W.T + b for W, b in parts])
            if oof is None:
                oof = np.zeros((len(parts), len(y), k))
            oof[:, te] = dec
            members.append(parts)
            self.folds_.append((tr, te))
        return oof, members

    def _choose_threshold(self, oof: np.ndarray, y: np.ndarray) -> None:
        """Stacker probabilities, cross-validated too, of the out-of-fold decision values: for
        every row, from fold models and a stacker none of which was fitted on it."""
        stack_folds = StratifiedKFold(
            min(5, int(np.bincount(y).min())), shuffle=True, random_state=self.random_state
        )
        probs = cross_val_predict(
            _stacker(self.stack_C), np.hstack(list(oof)), y, cv=stack_folds, method="predict_proba"
        )
        self.oof_top_probs_ = probs.max(axis=1)
        self.oof_correct_ = probs.argmax(axis=1) == y
        self.threshold_ = choose_threshold(
            zip(self.oof_top_probs_, self.oof_correct_, strict=True),
            self.target_precision,
            self.threshold_z,
        )

    def _fit_info(self, n_train: int, folds: int, train_s: float) -> dict:
        cov, prec = coverage_precision(self.oof_top_probs_, self.oof_correct_, self.threshold_)
        return {
            "n_train": n_train,
            "n_features": self.featurizer.n_features,
            "cv_folds": folds,
            "oof_accuracy": float(self.oof_correct_.mean()),
            "oof_ece": expected_calibration_error(self.oof_top_probs_, self.oof_correct_),
            "oof_auto_coverage": cov,
            "oof_auto_precision": prec,
            "train_s": train_s,
        }

    # -- prediction
    def _require_fitted(self):
        if self.featurizer is None:
            raise TriageInputError("模型尚未训练或加载 (model is not fitted)")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order."""
        self._require_fitted()
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        x = self.featurizer.transform(texts).astype(np.float32)  # same dtype as coef_: no copy
        dec = (x @ self.coef_.T).astype(np.float64) + self.intercept_
        return _softmax(dec)

    def predict_top(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the ``k`` most likely ``(label, probability)``, most likely first."""
        probs = self.predict_proba(texts)
        k = max(1, min(int(k), len(self.classes_)))
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [
            [(self.classes_[j], float(row[j])) for j in idx]
            for row, idx in zip(probs, order, strict=True)
        ]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [top[0][0] for top in self.predict_top(texts, k=1)]

    # -- persistence
    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` (an ``.npz`` archive, written as named)."""
        self._require_fitted()
        f = self.featurizer
        header = {
            "magic": MAGIC,
            "format_version": FORMAT_VERSION,
            "versions": library_versions(),
            "classes": self.classes_,
            "threshold": self.threshold_,
            "params": {
                "C": self.C,
                "nb_alpha": self.nb_alpha,
                "cv": self.cv,
                "use_nbsvm": self.use_nbsvm,
                "head_tokens": self.head_tokens,
                "char_n": self.char_n,
                "head_weight": self.head_weight,
                "head_word_weight": self.head_word_weight,
                "balanced": self.balanced,
                "stack_C": self.stack_C,
                "target_precision": self.target_precision,
                "threshold_z": self.threshold_z,
                "random_state": self.random_state,
                "refit": self.refit,
            },
            "info": self.info_,
        }
        arrays = {
            "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
            "coef": self.coef_,
            "intercept": self.intercept_,
            "words": _join_words(f.words.vocab),
            "word_idf": f.words.idf,
            "char_keys": f.chars.keys,
            "char_idf": f.chars.idf,
            "head_keys": f.head.keys,
            "head_idf": f.head.idf,
            "head_words": _join_words(f.head_words.vocab),
            "head_word_idf": f.head_words.idf,
            "oof_top_probs": self.oof_top_probs_,
            "oof_correct": self.oof_correct_,
        }
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        Path(path).write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a model written by :meth:`save`; raises :class:`ModelFormatError` otherwise."""
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
            raise ModelFormatError(
                f"{path} 不是分拣模型文件 (not a triage model file: {exc})"
            ) from exc
        try:
            header = json.loads(arrays["header"].tobytes().decode())
        except (KeyError, ValueError) as exc:
            raise ModelFormatError(f"{path} 不是分拣模型文件 (not a triage model file)") from exc
        if not isinstance(header, dict) or header.get("magic") != MAGIC:
            raise ModelFormatError(f"{path} 不是分拣模型文件 (not a triage model file)")
        if header.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"模型格式版本 {header.get('format_version')} 与当前版本 {FORMAT_VERSION} 不符，"
                f"请重新训练 (model format version {header.get('format_version')}, "
                f"expected {FORMAT_VERSION}: retrain the model)"
            )
        model = cls(**header["params"])
        model.classes_ = list(header["classes"])
        model.threshold_ = header["threshold"]
        model.info_ = dict(header.get("info", {}), versions=header["versions"])
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        model.oof_top_probs_ = arrays["oof_top_probs"]
        model.oof_correct_ = arrays["oof_correct"]
        f = Featurizer(model.head_tokens, model.char_n, model.head_weight, model.head_word_weight)
        f.words.vocab, f.words.idf = _split_words(arrays["words"]), arrays["word_idf"]
        f.head_words.vocab = _split_words(arrays["head_words"])
        f.head_words.idf = arrays["head_word_idf"]
        f.chars.set_keys(arrays["char_keys"], arrays["char_idf"])
        f.head.set_keys(arrays["head_keys"], arrays["head_idf"])
        model.featurizer = f
        return model


def _join_words(vocab: dict[str, int]) -> np.ndarray:
    """A vocabulary as UTF-8 bytes, one word a line in column order."""
    return np.frombuffer("\n".join(sorted(vocab, key=vocab.get)).encode(), np.uint8)


def _split_words(raw: np.ndarray) -> dict[str, int]:
    text = raw.tobytes().decode()
    return {w: i for i, w in enumerate(text.split("\n"))} if text else {}


def library_versions() -> dict[str, str]:
    import platform

    try:
        import jieba

        jieba_version = jieba.__version__
    except Exception:  # pragma: no cover - jieba is a declared dependency
        jieba_version = "unavailable"
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "jieba": jieba_version,
    }


def evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    **params,
) -> dict:
    """Train on the training set, measure on the test set.

    The auto-dispatch threshold comes from cross-validation on the training set only; coverage
    and precision are then measured on the test set. Returns macro_f1, accuracy, per_class
    (label -> F1), train_s, per_s (test messages predicted per second), auto_coverage,
    auto_precision and threshold.
    """
    from sklearn.metrics import accuracy_score, f1_score

    test_texts = _check_texts(test_texts)
    test_labels = _check_labels(test_labels, len(test_texts), min_classes=1)
    t0 = time.perf_counter()
    model = TextClassifier(**params).fit(train_texts, train_labels)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    top = model.predict_top(test_texts, k=1)
    pred_s = time.perf_counter() - t0
    pred = [t[0][0] for t in top]
    probs = np.array([t[0][1] for t in top])
    correct = np.array(pred) == np.array(test_labels)
    labels = sorted(set(test_labels) | set(model.classes_))
    f1s = f1_score(test_labels, pred, labels=labels, average=None, zero_division=0)
    coverage, precision = coverage_precision(probs, correct, model.threshold_)
    return {
        "macro_f1": float(f1_score(test_labels, pred, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(test_labels, pred)),
        "per_class": {lab: float(f) for lab, f in zip(labels, f1s, strict=True)},
        "train_s": train_s,
        "per_s": len(test_texts) / max(pred_s, 1e-9),
        "auto_coverage": coverage,
        "auto_precision": precision,
        "threshold": model.threshold_,
    }
