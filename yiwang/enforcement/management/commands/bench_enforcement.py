"""yiwang bench enforcement --cases N: N ordinary cases carried through every step of the
行政处罚法 by the real services — 登记, 立案 (two officers), 取证, 调查终结, 告知 (with a
hearing offered), 听证申请, 听证, 法制审核, 决定 (集体讨论), 送达, 缴款, 结案 — one transaction
per step. The only thing not timed is the UPDATE that moves each scheduled hearing into the past
(time passing). Runs in a throwaway database (yiwang/workorders/bench.py). Prints one JSON line:
{"cases", "cases_per_s", "steps_per_s", "p99_ms": {step: ms}, "database", ...}.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

STEPS = ["open", "file", "add_evidence", "end_investigation", "notify", "request_hearing",
         "hold_hearing", "legal_review", "discuss", "decide", "serve", "record_payment",
         "close"]  # fmt: skip


def _world():
    from yiwang.accounts.models import Membership, OrgUnit, Role, User
    from yiwang.core.models import CalendarYear
    from yiwang.enforcement.demo_matters import matter_rows
    from yiwang.enforcement.models import Officer
    from yiwang.enforcement.services import matter_save

    CalendarYear.objects.get_or_create(year=2027, defaults={"source": "基准测试：仅按周末计"})
    street = OrgUnit.objects.create(name="基准街道", code="BENCH", kind=OrgUnit.Kind.STREET,
                                    region_code="BENCH")  # fmt: skip
    # The matters may already exist (--in-place): matter_save leaves unchanged rows alone.
    agency = OrgUnit.objects.create(name="综合行政执法局", code="BENCH-D05",
                                    kind=OrgUnit.Kind.DEPARTMENT, parent=street)  # fmt: skip
    users = {}
    for i, name in enumerate(["zhifa", "zhifa2", "fazhi"], start=1):
        user = User.objects.create(username=f"bench-{name}", display_name=name)
        Membership.objects.create(user=user, org_unit=agency, role=Role.ENFORCEMENT_OFFICER)
        Officer.objects.create(user=user, department=agency, certificate_number=f"BENCH{i:05d}",
                               certified_until=timezone.localdate() + dt.timedelta(days=365),
                               legal_reviewer=name == "fazhi")  # fmt: skip
        users[name] = user
    for row in matter_rows():
        matter_save(actor=None, data=row)
    return users


def _person(i: int) -> dict:
    from yiwang.core.validators import id_check_digit

    body = f"320582198{i % 10}01{(i % 28) + 1:02d}{i % 1000:03d}"[:17]
    return {"kind": "person", "name": f"当事人{i}", "id_number": body + id_check_digit(body)}


def _one_case(i: int, u: dict, timings: dict) -> None:
    from yiwang.enforcement import services as svc
    from yiwang.enforcement.models import Case

    z = u["zhifa"]

    def timed(step, fn):
        t0 = time.perf_counter()
        result = fn()
        timings[step].append((time.perf_counter() - t0) * 1000)
        return result

    c = timed(
        "open",
        lambda: svc.case_open(
            actor=z,
            procedure="ordinary",
            matter="ZF-CG-017",
            party=_person(i),
            facts="屋顶违法搭建",
        ),
    )
    c = timed(
        "file",
        lambda: svc.case_file(
            actor=z, case=c, version=c.version, officers=["bench-zhifa", "bench-zhifa2"]
        ),
    )
    ev = timed(
        "add_evidence",
        lambda: svc.case_add_evidence(
            actor=z, case=c, version=c.version, kind="record", title="现场笔录", place="屋顶"
        ),
    )
    c = ev.case
    c.refresh_from_db()
    c = timed(
        "end_investigation", lambda: svc.case_end_investigation(actor=z, case=c, version=c.version)
    )
    c = timed(
        "notify",
        lambda: svc.case_notify(
            actor=z, case=c, version=c.version, penalty={"kind": "fine", "amount": "20000"}
        ),
    )
    when = timezone.now() + dt.timedelta(days=20)
    c = timed(
        "request_hearing",
        lambda: svc.case_request_hearing(actor=z, case=c, version=c.version, hearing_at=when),
    )
    Case.objects.filter(pk=c.pk).update(hearing_at=timezone.now() - dt.timedelta(hours=1))
    c.refresh_from_db()
    c = timed(
        "hold_hearing",
        lambda: svc.case_hold_hearing(
            actor=z, case=c, version=c.version, chair="bench-fazhi", record_text="听证笔录"
        ),
    )
    c = timed(
        "legal_review",
        lambda: svc.case_legal_review(actor=u["fazhi"], case=c, version=c.version, opinion="同意"),
    )
    timed(
        "discuss",
        lambda: svc.case_discuss(
            actor=z, case=c, version=c.version, chair="局长",
            participants=["局长", "副局长", "法制科长"], record_text="讨论记录",
            conclusion="同意",
        ),
    )  # fmt: skip
    c = Case.objects.get(pk=c.pk)
    c = timed(
        "decide",
        lambda: svc.case_decide(
            actor=z,
            case=c,
            version=c.version,
            outcome="penalty",
            penalty={"kind": "fine", "amount": "15000"},
        ),
    )
    c = timed("serve", lambda: svc.case_serve(actor=z, case=c, version=c.version))
    c = timed(
        "record_payment",
        lambda: svc.case_record_payment(actor=z, case=c, version=c.version, amount="15000"),
    )
    timed("close", lambda: svc.case_close(actor=z, case=c, version=c.version))
    # fmt: skip


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)


class Command(BaseCommand):
    help = "综合执法基准：N 个普通程序案件走完全部步骤，输出每秒案件数与各步骤 p99（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=200)
        parser.add_argument("--in-place", action="store_true",
                            help="在当前数据库的事务中运行并回滚（测试用）")  # fmt: skip

    def handle(self, *args, cases, in_place, **opts):
        from yiwang.workorders.bench import production_logging, throwaway_database

        with throwaway_database(in_place=in_place), production_logging():
            result = run(max(1, cases))
        result["in_place"] = in_place
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def run(n: int) -> dict:
    users = _world()
    warm = {s: [] for s in STEPS}
    _one_case(10**6, users, warm)  # warm-up: caches, compiled statements
    timings = {s: [] for s in STEPS}
    started = time.perf_counter()
    for i in range(n):
        _one_case(i, users, timings)
    elapsed = time.perf_counter() - started
    steps = sum(len(v) for v in timings.values())
    return {
        "cases": n,
        "cases_per_s": round(n / elapsed, 2),
        "steps_per_s": round(steps / elapsed, 1),
        "p99_ms": {s: _p99(v) for s, v in timings.items()},
        "database": connection.vendor,
    }
