"""智能分拣 at intake: `suggest(text)` → the active classifier model's (分拣模型) five most likely
(category code, probability), which `yiwang.workorders.intake` turns into a category or a
triage order with suggestions.

The model lives in the database (`ClassifierModel`, one active); each process keeps a loaded
copy. Like the grid index (grids/locate.py), the copy is only a cache: which model is active
(its id and checksum, one cheap query) is re-checked at most every
`YIWANG_TRIAGE_MODEL_CHECK_SECONDS` (default 30) and right after this process installs one.
A model that cannot be loaded (bad blob, other format version) raises `ModelUnavailable` on
every call until the next check, without being loaded again for each order; intake logs it
and sends the order to triage.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from yiwang.triage.classifier import ModelFormatError, TextClassifier, has_chinese

logger = logging.getLogger("yiwang.triage")

TOP_K = 5


class ModelUnavailable(RuntimeError):
    """The active classifier model cannot be used (remembered until the next check)."""


class Suggestions(list):
    """[(category_code, probability)], most likely first, with the auto-dispatch `threshold`
    stored with the model that answered (None: that model never auto-dispatches)."""

    def __init__(self, items=(), threshold: float | None = None):
        super().__init__(items)
        self.threshold = threshold


class _NamedBytes(io.BytesIO):
    """Model bytes whose error messages name the model, not a memory address."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.label = name

    def __str__(self) -> str:
        return self.label


def model_from_bytes(data: bytes, name: str = "模型") -> TextClassifier:
    """A TextClassifier from the bytes of its .npz file; ModelFormatError when it is not one."""
    return TextClassifier.load(_NamedBytes(bytes(data), name))


@dataclass(frozen=True)
class LoadedModel:
    pk: int
    sha256: str
    model: TextClassifier
    codes: dict  # classifier label -> category code
    threshold: float | None


def load_stored(pk: int) -> LoadedModel:
    """Load stored model `pk`, checking its checksum and labels; ModelFormatError otherwise."""
    from yiwang.triage.models import ClassifierModel

    blob, sha, labels, threshold = (
        ClassifierModel.objects.filter(pk=pk).values_list("blob", "sha256", "labels", "threshold")
    ).get()
    data = bytes(blob)
    if hashlib.sha256(data).hexdigest() != sha:
        raise ModelFormatError(f"分拣模型 #{pk} 的校验和不符，文件已损坏")
    model = model_from_bytes(data, f"分拣模型 #{pk}")
    if len(labels) != len(model.classes_):
        raise ModelFormatError(f"分拣模型 #{pk} 的类别编码与模型不一致")
    codes = dict(zip(model.classes_, labels, strict=True))
    return LoadedModel(pk, sha, model, codes, threshold)


class ModelCache:
    """The process's copy of the active model; see the module docstring."""

    def __init__(self):
        self._loaded: LoadedModel | None = None
        self._failure = ""
        self._next_check = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Check the database again on the next call (after an install in this process)."""
        self._next_check = 0.0

    def current(self) -> LoadedModel | None:
        if time.monotonic() >= self._next_check:
            self._refresh()
        if self._failure:
            raise ModelUnavailable(self._failure)
        return self._loaded

    def _refresh(self) -> None:
        from yiwang.triage.models import ClassifierModel

        with self._lock:
            if time.monotonic() < self._next_check:
                return  # another thread has just checked
            active = ClassifierModel.objects.filter(is_active=True).values_list("pk", "sha256")
            active = active.first()
            loaded = self._loaded
            if active is None:
                self._loaded, self._failure = None, ""
            elif loaded is None or (loaded.pk, loaded.sha256) != active:
                self._loaded, self._failure = None, ""
                try:
                    self._loaded = load_stored(active[0])
                except Exception as exc:
                    self._failure = f"分拣模型 #{active[0]} 无法使用：{exc}"
                    logger.error("%s; orders go to manual triage", self._failure)
            interval = float(getattr(settings, "YIWANG_TRIAGE_MODEL_CHECK_SECONDS", 30))
            self._next_check = time.monotonic() + interval


_cache = ModelCache()
invalidate = _cache.invalidate


def suggest(text: str) -> Suggestions:
    """The active model's top five (category code, probability) for a message; empty when no
    model is active or the text has no Chinese. Raises ModelUnavailable for a broken model."""
    if not has_chinese(text):
        return Suggestions()
    loaded = _cache.current()
    if loaded is None:
        return Suggestions()
    top = loaded.model.predict_top([text], k=TOP_K)[0]
    return Suggestions([(loaded.codes[label], p) for label, p in top], loaded.threshold)
