"""yiwang bench approvals --applications N: run N 一件事 applications through their whole life
cycle (submit with uploads → accept → every review step → deliver → rate) through the service
layer, and print one JSON line with bundle applications per second.

It never touches your database: it creates a throwaway database of the configured engine
(SQLite: a temporary file with the production settings, WAL and IMMEDIATE transactions;
PostgreSQL: `test_<name>`, as the test runner does), migrates it, builds a small street with
the demo catalogue, measures, and drops it; uploaded files go to a temporary MEDIA_ROOT.
It measures with DEBUG off, as in production (no query log kept on the connection), and
prints both wall-clock and CPU figures: on a shared machine the CPU ones are steadier.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test.utils import override_settings


class QueryCounter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "审批服务基准：N 个一件事办件走完全生命周期，输出每秒办件数（一次性数据库）。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=200)
        parser.add_argument("--bundle", default="", help="一件事编码（默认：开办小餐饮店）")
        parser.add_argument("--memory", action="store_true", help="SQLite 内存库（默认临时文件）")
        parser.add_argument(
            "--bad-every", type=int, default=10, help="每 N 件给一次差评（开整改单），0 为不给"
        )

    def handle(self, *args, applications, bundle, memory, bad_every, **options):
        if applications < 1:
            raise CommandError("--applications 至少为 1")
        conn = connections["default"]
        old_name = conn.settings_dict["NAME"]
        sqlite = conn.vendor == "sqlite"
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
        test_settings = dict(conn.settings_dict.get("TEST") or {})
        if sqlite:
            conn.settings_dict["TEST"] = {
                **test_settings,
                "NAME": "" if memory else str(tmp / "bench.sqlite3"),
            }
        try:
            conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            try:
                # measured as in production: DEBUG off, so the connection keeps no query log
                with override_settings(MEDIA_ROOT=str(tmp / "media"), DEBUG=False):
                    result = self._run(applications, bundle, bad_every)
            finally:
                conn.creation.destroy_test_db(old_name, verbosity=0)
        finally:
            conn.settings_dict["TEST"] = test_settings
            shutil.rmtree(tmp, ignore_errors=True)
        engine = (
            ("sqlite (memory)" if memory else "sqlite (temporary file, WAL)")
            if sqlite
            else (f"{conn.vendor} (throwaway database)")
        )
        result["database"] = engine
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _run(self, n: int, bundle_code: str, bad_every: int) -> dict:
        from yiwang.approvals import services
        from yiwang.approvals.demo_catalogue import RESTAURANT
        from yiwang.approvals.models import Application, ApplicationStep, Bundle

        world = _build_world()
        code = bundle_code or RESTAURANT
        bundle = Bundle.objects.filter(code=code).first()
        if bundle is None:
            raise CommandError(f"找不到一件事 {code}")
        form, inputs = _sample(bundle)
        clerk, resident, reviewers = world["clerk"], world["resident"], world["reviewers"]
        conn = connections["default"]
        counter = QueryCounter()
        steps_done = 0
        phases = {"submit": 0.0, "accept": 0.0, "review": 0.0, "deliver": 0.0, "rate": 0.0}
        started = time.perf_counter()
        cpu_started = time.process_time()
        with conn.execute_wrapper(counter):
            for i in range(n):
                t0 = time.perf_counter()
                app = services.application_submit(
                    actor=resident, bundle=bundle, form=form, materials=inputs
                )
                t1 = time.perf_counter()
                app = services.application_accept(actor=clerk, application=app, version=1)
                t2 = time.perf_counter()
                # what a reviewer's 待办 list gives: each child's steps in order, its version
                versions = dict(app.children.values_list("pk", "version"))
                steps = ApplicationStep.objects.filter(
                    application__parent_id=app.pk, state__in=["active", "pending"]
                ).order_by("application_id", "order")
                for child_id, dept_id in steps.values_list("application_id", "department_id"):
                    child = services.application_approve_step(
                        actor=reviewers[dept_id],
                        application=Application(pk=child_id),
                        version=versions[child_id],
                    )
                    versions[child_id] = child.version
                    steps_done += 1
                t3 = time.perf_counter()
                # what the window's queue gives: the application and its version
                version = Application.objects.values_list("version", flat=True).get(pk=app.pk)
                app = services.application_deliver(
                    actor=clerk, application=app, version=version, method="electronic"
                )
                t4 = time.perf_counter()
                bad = bad_every and (i + 1) % bad_every == 0
                services.application_rate(
                    actor=resident,
                    application=app,
                    version=app.version,
                    level=2 if bad else 5,
                    comment="等待时间偏长" if bad else "",
                    step="deliver" if bad else None,
                )
                t5 = time.perf_counter()
                for name, dt_ in zip(
                    phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
                ):
                    phases[name] += dt_
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        delivered = Application.objects.filter(kind="bundle", status="delivered").count()
        if delivered != n:
            raise CommandError(f"只有 {delivered}/{n} 件走完生命周期")
        items = bundle.bundle_items.count()
        return {
            "bench": "approvals",
            "bundle": bundle.name,
            "applications": n,
            "items_per_application": items,
            "review_steps": steps_done,
            "materials_per_application": len(inputs),
            "seconds": round(elapsed, 3),
            "applications_per_second": round(n / elapsed, 1),
            "item_applications_per_second": round(n * items / elapsed, 1),
            "cpu_seconds": round(cpu, 3),
            "applications_per_cpu_second": round(n / cpu, 1) if cpu else None,
            "cpu_ms_per_application": round(cpu * 1000 / n, 2),
            "queries_per_application": round(counter.n / n, 1),
            "ms_per_phase": {k: round(v * 1000 / n, 2) for k, v in phases.items()},
        }


def _build_world() -> dict:
    from yiwang.accounts.models import Membership, OrgUnit, Role, User
    from yiwang.approvals.catalogue import catalogue_load
    from yiwang.approvals.demo_catalogue import BUNDLES, ITEMS, STREET

    district = OrgUnit.objects.create(
        name="苏州工业园区", code="320576", kind="district", region_code="320576"
    )
    street = OrgUnit.objects.create(
        name="唯亭街道", code=STREET, kind="street", parent=district, region_code=STREET
    )
    depts = {}
    for suffix, name in [
        ("D03", "经济发展局"),
        ("D04", "社会事业局"),
        ("D05", "综合行政执法局"),
        ("D07", "社区治理局"),
        ("C01", "为民服务中心"),
    ]:
        depts[name] = OrgUnit.objects.create(
            name=name, code=f"{STREET}-{suffix}", kind="department", parent=street
        )

    def user(username, unit, role):
        u = User(username=username, display_name=username)
        u.set_unusable_password()
        u.save()
        Membership.objects.create(user=u, org_unit=unit, role=role)
        return u

    clerk = user("bench-window", depts["为民服务中心"], Role.WINDOW_CLERK)
    resident = user("bench-resident", street, Role.RESIDENT)
    reviewers = {
        unit.pk: user(f"bench-{unit.code}", unit, Role.DEPARTMENT_STAFF)
        for name, unit in depts.items()
        if name != "为民服务中心"
    }
    catalogue_load(actor=None, items=ITEMS, bundles=BUNDLES, street=street)
    return {"clerk": clerk, "resident": resident, "reviewers": reviewers}


def _sample(bundle):
    """A valid merged form and one small file per required material."""
    from yiwang.approvals import services
    from yiwang.approvals.catalogue import fields_for, requirements_for

    values = {
        "text": "唯亭星华街88号",
        "textarea": "说明",
        "number": 30,
        "date": "2026-11-01",
        "bool": False,
        "id_number": "11010519491231002X",
        "phone": "13912345678",
        "uscc": "91320594MA1MXXXX1X",
    }
    form = {}
    for f in fields_for(bundle=bundle):
        if f.get("type") == "choice":
            form[f["name"]] = (f.get("options") or [""])[-1]
        else:
            form[f["name"]] = values.get(f.get("type", "text"), "x")
    pdf = b"%PDF-1.4\n% bench\n%%EOF\n"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    inputs = []
    for r in requirements_for(bundle=bundle):
        if not r.required:
            continue
        if "pdf" in r.formats:
            inputs.append(services.MaterialInput(key=r.key, filename=f"{r.key}.pdf", content=pdf))
        else:
            inputs.append(services.MaterialInput(key=r.key, filename=f"{r.key}.png", content=png))
    return form, inputs
