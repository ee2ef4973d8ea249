"""The demo street's labelled history (demo_history.py): component (部件) reports are in it, and
the everyday reports of the UX test are not (they are the test, not the training data)."""

from __future__ import annotations

from collections import Counter

from yiwang.triage.demo_history import COMPONENT_MESSAGES, DEMO, MESSAGES, NEIGHBOURS, history
from yiwang.workorders.demo import RULES
from yiwang.workorders.management.commands.bench_everyday import EVERYDAY_TEXTS

# 路灯, 不明井盖, 消防设施 (管理部件) and 乱堆杂物
COMPONENTS = ("01037", "01023", "01013", "06036")


def test_component_reports_are_learned_from_the_history():
    counts = Counter(code for _, code in history(**DEMO))
    ruled = {row[0] for row in RULES}
    for code in COMPONENTS:
        assert counts[code] >= 35, code  # 40 each, a few moved to a neighbour by the noise
        assert code in ruled, code  # the demo can dispatch what the classifier learns
    assert set(NEIGHBOURS) == set(MESSAGES) | set(COMPONENT_MESSAGES)
    assert len({code for _, code in history()}) == 16  # the triage tests' fixed set is unchanged
    assert sum(len(text) < 14 for text, _ in history(**DEMO)) >= 80  # terse phone reports


def test_the_everyday_test_texts_are_not_in_the_training_history():
    texts = [text for text, _ in history(**DEMO)]
    messages = [*MESSAGES.values(), *COMPONENT_MESSAGES.values()]
    templates = [template for rows in messages for template in rows]
    for probe in EVERYDAY_TEXTS:
        assert not any(probe in text for text in texts), probe
        assert not any(probe in template for template in templates), probe
