"""The worker: its schedules, its jobs, and the proof that two workers never run the same
periodic job twice (two django-q2 schedulers racing on one database)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from yiwang.command import schedules, tasks

needs_q = pytest.mark.skipif(
    not apps.is_installed("django_q"),
    reason="django_q is not in INSTALLED_APPS (settings.py: add 'django_q' and Q_CLUSTER)",
)


@needs_q
@pytest.mark.django_db
def test_ensure_schedules_is_idempotent_and_corrects_drift():
    from django_q.models import Schedule

    created = schedules.ensure_schedules()
    assert set(created) == {job.name for job in schedules.SCHEDULES}
    sweep = Schedule.objects.get(func="yiwang.command.tasks.sla_sweep")
    assert (sweep.schedule_type, sweep.minutes, sweep.repeats) == ("I", 1, -1)
    Schedule.objects.filter(pk=sweep.pk).update(minutes=30)
    assert schedules.ensure_schedules() == []
    assert Schedule.objects.get(pk=sweep.pk).minutes == 1
    assert Schedule.objects.count() == len(schedules.SCHEDULES)
    weekly = Schedule.objects.get(func="yiwang.command.tasks.weekly_report")
    local = timezone.localtime(weekly.next_run)
    assert (local.weekday(), local.hour) == (0, 7)


@needs_q
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_never_enqueue_the_same_run_twice():
    """Two workers (each its own scheduler, broker and database connection) wake at the same
    moment over a due schedule: exactly one task is queued, and the schedule moves on."""
    from django_q.brokers import get_broker
    from django_q.models import OrmQ, Schedule
    from django_q.scheduler import scheduler

    Schedule.objects.create(
        name="SLA",
        func="yiwang.command.tasks.sla_sweep",
        schedule_type="I",
        minutes=1,
        repeats=-1,
        next_run=timezone.now() - dt.timedelta(seconds=5),
    )
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            broker = get_broker()
            start.wait(timeout=10)
            scheduler(broker=broker)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert OrmQ.objects.count() == 1
    row = Schedule.objects.get(name="SLA")
    assert row.next_run > timezone.now()
    # A third scheduler a moment later finds nothing due either.
    scheduler(broker=get_broker())
    assert OrmQ.objects.count() == 1


@pytest.mark.django_db
def test_jobs_run_with_time_moved(world):
    from yiwang.command import services
    from yiwang.command.tests.conftest import IN_A

    now = timezone.now()
    services.incident_raise(
        actor=world.users["dispatcher"],
        level="blue",
        type="accident",
        description="井盖缺失",
        lon=IN_A[0],
        lat=IN_A[1],
        now=now,
    )
    assert tasks.incident_escalation(now=now + dt.timedelta(minutes=29)) == {}
    assert tasks.incident_escalation(now=now + dt.timedelta(minutes=31)) == {"escalated": 1}
    assert tasks.sla_sweep(now=now) == {"red": 0, "yellow": 0, "skipped": 0}
    assert tasks.weekly_report(now=now)["told"] == 1  # the street's leader
    assert tasks.monthly_assessment(now=now)["told"] == 1
