"""yiwang bench duplicates: how well the duplicate check's text similarity (疑似重复) finds
messages about the same matter, on real citizen messages.

Data: 附件3 of the 2020 泰迪杯 (`tipdm2020-gov-messages/hotspot_messages_raw.csv`: 4,275
messages, 2017-2020, 留言主题 + 留言详情). It holds no grouping of messages into matters and no
places, so the measurement is a hand-judged stratified sample:

1. every pair of messages posted within `--days` (7) of each other is scored with
   `similarity.similarity_matrix` (the intake check's time window; the 200 m radius cannot be
   applied: the data has no coordinates);
2. 84 of these pairs, 12 drawn at random (seed 20261122) from each score band 0.1-0.2, 0.2-0.3,
   …, 0.6-0.7, >= 0.7, were judged by hand "same matter" (同一事项: same place, same problem;
   a request with no place, e.g. a city-wide policy, counts when the request is the same) —
   message ids and verdicts in `yiwang/triage/data/duplicate_pairs_judged.csv`;
3. each band's judged share, scaled to the band's size, estimates for each threshold t:
   `precision` (same-matter share of the pairs scoring >= t) and `recall` (share of the
   same-matter pairs scoring >= 0.1 that score >= t — relative: same-matter pairs below 0.1
   are not counted), and their F1.

`check_ms`: the pure-Python similarity (`similarity.similarities`) of one message against every
message of the previous `--days` days — an upper bound of the text part of one intake check,
where the radius leaves only a handful of candidates. Prints one JSON line.
"""

import csv
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from yiwang.triage.bench import default_data_path
from yiwang.triage.similarity import similarities, similarity_matrix

JUDGED = Path(__file__).resolve().parents[2] / "data" / "duplicate_pairs_judged.csv"
BANDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def _when(text: str) -> dt.datetime:
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    raise CommandError(f"无法识别的留言时间：{text!r}")


def read_messages(path: Path) -> list[tuple[str, dt.datetime, str]]:
    """(留言编号, 留言时间, 主题 + 详情), oldest first."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [
            (r["留言编号"].strip(), _when(r["留言时间"]), f"{r['留言主题']}\n{r['留言详情']}")
            for r in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda r: r[1])


def window_scores(messages, days: float, chunk: int = 250) -> np.ndarray:
    """Scores of every pair of messages posted within `days` of each other (oldest first),
    a block of `chunk` messages against itself and the messages before it in the window."""
    span = dt.timedelta(days=days)
    texts = [m[2] for m in messages]
    scores, start = [], 0
    for lo in range(0, len(messages), chunk):
        hi = min(lo + chunk, len(messages))
        while messages[lo][1] - messages[start][1] > span:
            start += 1
        block = similarity_matrix(texts[lo:hi], texts[start:hi])
        for i in range(lo, hi):
            first = next(j for j in range(start, i + 1) if messages[i][1] - messages[j][1] <= span)
            scores.append(block[i - lo, first - start : i - start])
    return np.concatenate(scores) if scores else np.zeros(0)


def band_of(score: float) -> float | None:
    fitting = [b for b in BANDS if score >= b]
    return fitting[-1] if fitting else None


def estimate(scores: np.ndarray, judged: list[tuple[float, int]]) -> dict:
    """Per band: pairs, judged, same; per threshold: estimated precision, recall, F1."""
    bands = []
    for low in BANDS:
        high = BANDS[BANDS.index(low) + 1] if low != BANDS[-1] else np.inf
        verdicts = [same for band, same in judged if band == low]
        pairs = int(((scores >= low) & (scores < high)).sum())
        share = sum(verdicts) / len(verdicts) if verdicts else None
        bands.append(
            {
                "low": low,
                "pairs": pairs,
                "judged": len(verdicts),
                "same": sum(verdicts),
                "share": share,
            }
        )
    known = [b for b in bands if b["share"] is not None]
    true_total = sum(b["pairs"] * b["share"] for b in known)
    thresholds = []
    for t in BANDS[1:]:
        above = [b for b in known if b["low"] >= t]
        flagged = sum(b["pairs"] for b in above)
        true = sum(b["pairs"] * b["share"] for b in above)
        precision = true / flagged if flagged else None
        recall = true / true_total if true_total else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
        thresholds.append(
            {
                "threshold": t,
                "pairs": flagged,
                "precision": _round(precision),
                "recall": _round(recall),
                "f1": _round(f1),
            }
        )
    for b in bands:
        b["share"] = _round(b["share"])
    return {"bands": bands, "thresholds": thresholds}


def _round(value):
    return None if value is None else round(value, 3)


def check_speed(messages, days: float, checks: int) -> dict:
    span = dt.timedelta(days=days)
    texts = [m[2] for m in messages]
    step = max(1, len(messages) // max(checks, 1))
    sizes, started = [], time.perf_counter()
    for i in range(0, len(messages), step):
        candidates = [texts[j] for j in range(i) if messages[i][1] - messages[j][1] <= span]
        similarities(texts[i], candidates)
        sizes.append(len(candidates))
    elapsed = time.perf_counter() - started
    return {
        "checks": len(sizes),
        "mean_candidates": round(sum(sizes) / len(sizes), 1),
        "check_ms": round(elapsed * 1000 / len(sizes), 3),
        "ms_per_candidate": round(elapsed * 1000 / max(sum(sizes), 1), 4),
    }


class Command(BaseCommand):
    help = "重复工单识别基准：真实留言上按相似度阈值估计同一事项的准确率与召回率（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=None, help="hotspot_messages_raw.csv")
        parser.add_argument("--days", type=float, default=7.0, help="时间窗（天），默认 7")
        parser.add_argument("--limit", type=int, default=0, help="只用最早的 N 条（测试用）")
        parser.add_argument("--checks", type=int, default=300, help="计时的查重次数")

    def handle(self, *args, data, days, limit, checks, **options):
        path = data or default_data_path().with_name("hotspot_messages_raw.csv")
        if not path.is_file():
            raise CommandError(f"找不到数据文件：{path}")
        started = time.perf_counter()
        messages = read_messages(path)[: limit or None]
        ids = {m[0]: m[2] for m in messages}
        judged = []
        with open(JUDGED, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["id_a"] in ids and row["id_b"] in ids:
                    score = similarities(ids[row["id_a"]], [ids[row["id_b"]]])[0]
                    judged.append((band_of(score), int(row["same_matter"])))
        scores = window_scores(messages, days)
        result = {
            "data": path.name,
            "messages": len(messages),
            "window_days": days,
            "pairs_in_window": int(scores.size),
            "judged_pairs": len(judged),
            **estimate(scores, judged),
            **check_speed(messages, days, checks),
            "seconds": round(time.perf_counter() - started, 1),
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
