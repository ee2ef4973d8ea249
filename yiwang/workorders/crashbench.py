"""`yiwang bench crash --clients 4 --seconds 30`: no acknowledged write is lost or doubled when
the server dies (issue 11, item 15).

On a throwaway database (benchserver.bench_database) a gunicorn (`yiwang serve`) is driven by
`clients` processes for `seconds`: each reports orders as a grid worker (POST with its own
Idempotency-Key) and, as the department the order went to, 签收 (accept) and 处置完成
(complete) them, each action with the order's version. Meanwhile the server (master and every
worker) is killed with SIGKILL `--kills` times and restarted on the same port.

A request that got no answer is in doubt: the client waits for the server and sends it again,
the same key or the same version. An order replay answers 200 with the first order; an action
that had committed answers 409 (stale version), and the client then reads the order to see
that it did happen. At the end the bench checks on the database that

- every acknowledged order is there exactly once, with the id it was acknowledged with;
- every acknowledged action is in the timeline exactly once, and no action is there twice;
- nothing is there that no client was told about;
- every acknowledged Idempotency-Key, replayed now, answers 200 with its order;

and prints one JSON line. Any loss, duplicate, failed replay or server error makes the command
exit non-zero.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from django.db import connection

from yiwang.workorders.bench import RULES, build_street, random_point
from yiwang.workorders.benchserver import Client, NoAnswer, Server, bench_database, bench_keys

ORDERS = "/api/v1/workorders/"
NEXT_ACTION = {"dispatched": "accept", "handling": "complete"}
DONE_STATUS = {"accept": "handling", "complete": "completed"}
TEXTS = ["小区门口有机动车长期乱停放", "路边有暴露垃圾，气味很大", "楼道里堆放杂物"]


def run_crash(
    *, clients: int, seconds: float, kills: int, server_workers: int, seed: int, log=None
) -> dict:
    """The whole bench; returns the result dict (with `ok`)."""
    from yiwang.accounts.sessions import token_create

    started = time.monotonic()
    with bench_database() as url, bench_keys():
        world = build_street(communities=2, grids_per_community=4)
        tokens = department_tokens(world, token_create)
        _, worker_token = token_create(user=world["worker"])
        setup_s = time.monotonic() - started
        connection.close()  # the client processes are forked: they must not share it
        with tempfile.TemporaryDirectory(prefix="yiwang-crash-") as tmp:
            server = Server(url, workers=server_workers, log=Path(tmp) / "server.log")
            server.start()
            try:
                plan = {
                    "port": server.port,
                    "worker_token": worker_token,
                    "department_tokens": tokens,
                    "street": {"width": world["width"], "height": world["height"]},
                    "ruled": [code for code, *_ in RULES],
                    "seconds": seconds,
                    "seed": seed,
                }
                restarts = drive_and_kill(server, plan, clients, seconds, kills, Path(tmp))
                reports = [json.loads((Path(tmp) / f"client{i}.json").read_text())
                           for i in range(clients)]  # fmt: skip
                replay = replay_keys(server.port, worker_token, reports)
            except Exception:
                if log is not None:
                    log(server.tail())
                raise
            finally:
                server.stop()
        found = check_database(world["worker"], reports)
    result = summarise(reports, found, replay, restarts)
    result.update(
        clients=clients,
        seconds=seconds,
        server_workers=server_workers,
        database=connection.vendor,
        setup_s=round(setup_s, 1),
        loadavg_1m=round(os.getloadavg()[0], 2),
    )
    return result


def department_tokens(world, token_create) -> dict[str, str]:
    """One department-staff user (and API token) per street department, by department id."""
    from yiwang.accounts.models import Membership, Role, User

    tokens = {}
    for i, department in enumerate(world["departments"]):
        user = User.objects.create(username=f"bench-dept-{i}", display_name=department.name)
        Membership.objects.create(user=user, org_unit=department, role=Role.DEPARTMENT_STAFF)
        tokens[str(department.pk)] = token_create(user=user)[1]
    return tokens


def drive_and_kill(server: Server, plan: dict, clients: int, seconds: float, kills: int, tmp):
    """Start the client processes, SIGKILL and restart the server `kills` times evenly spread
    (jittered) over the run, wait for the clients. Returns the restart times in seconds."""
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(
            target=client_main, args=(i, plan, str(tmp / f"client{i}.json")), daemon=True
        )
        for i in range(clients)
    ]
    begun = time.monotonic()
    for process in processes:
        process.start()
    rng = random.Random(plan["seed"])
    restarts = []
    for k in range(kills):
        at = seconds * (k + rng.uniform(0.4, 0.8)) / kills
        time.sleep(max(0.0, begun + at - time.monotonic()))
        server.kill()
        time.sleep(0.3)
        down = time.monotonic()
        server.start()
        restarts.append({"killed_at_s": round(down - begun - 0.3, 1),
                         "down_s": round(time.monotonic() - down + 0.3, 1)})  # fmt: skip
    for process in processes:
        process.join(seconds + 300)
        if process.is_alive():
            process.kill()
            raise RuntimeError("客户端进程未能结束")
        if process.exitcode != 0:
            raise RuntimeError(f"客户端进程异常退出（{process.exitcode}）")
    return restarts


# --- one client process ---------------------------------------------------------------------


class Driver:
    """One client: reports orders and takes them through accept and complete."""

    def __init__(self, index: int, plan: dict):
        self.index, self.plan = index, plan
        self.rng = random.Random(plan["seed"] * 100 + index)
        self.worker = Client(plan["port"], token=plan["worker_token"])
        self.departments = {
            dep: Client(plan["port"], token=tok) for dep, tok in plan["department_tokens"].items()
        }
        self.orders: dict[str, int] = {}  # acknowledged Idempotency-Key -> order id
        self.actions: list[list] = []  # acknowledged [order id, action, how]
        self.open: list[dict] = []  # orders with a next action
        self.counts: Counter = Counter()

    def send(self, client: Client, method: str, path: str, body=None, headers=None):
        """Send until an answer comes; (status, headers, data, in_doubt)."""
        doubt = False
        give_up = time.monotonic() + self.plan["seconds"] + 180
        while True:
            try:
                status, head, data = client.request(method, path, body, headers)
            except NoAnswer:
                doubt = True
                self.counts["no_answer"] += 1
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.2)
                continue
            if status >= 500:
                self.counts["server_errors"] += 1
            return status, head, data, doubt

    def report(self, n: int) -> None:
        key = f"crash-{self.index}-{n}"
        lon, lat = random_point(self.rng, self.plan["street"])
        body = {
            "description": self.rng.choice(TEXTS),
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "category": self.rng.choice(self.plan["ruled"]),
        }
        status, head, data, doubt = self.send(
            self.worker, "POST", ORDERS, body, {"Idempotency-Key": key}
        )
        if status not in (200, 201):
            self.counts[f"report_{status}"] += 1
            return
        self.orders[key] = data["id"]
        self.counts["reports_replayed" if status == 200 else "reports"] += 1
        if doubt:
            self.counts["reports_in_doubt"] += 1
        self.track(data)

    def track(self, data: dict) -> None:
        if data["status"] in NEXT_ACTION and data.get("primary_department"):
            self.open.append(data)

    def act(self) -> None:
        order = self.open.pop(self.rng.randrange(len(self.open)))
        action = NEXT_ACTION[order["status"]]
        client = self.departments[str(order["primary_department"])]
        body = {"version": order["version"]}
        if action == "complete":
            body.update(note="已处置", no_photo_reason="基准测试，无照片")
        path = f"{ORDERS}{order['id']}/{action}/"
        status, _, data, doubt = self.send(client, "POST", path, body)
        if status == 200:
            self.actions.append([order["id"], action, "answered"])
            self.counts["actions"] += 1
        elif status == 409 and doubt:
            # The first try may have committed before the crash: read what the order says.
            status, _, data, _ = self.send(client, "GET", f"{ORDERS}{order['id']}/")
            if status != 200 or data["status"] != DONE_STATUS[action]:
                self.counts["action_conflicts"] += 1
                return
            self.actions.append([order["id"], action, "recovered"])
            self.counts["actions_recovered"] += 1
        else:
            self.counts[f"action_{status}"] += 1
            return
        self.track(data)

    def run(self) -> None:
        deadline = time.monotonic() + self.plan["seconds"]
        n = 0
        while time.monotonic() < deadline:
            if self.open and self.rng.random() < 0.5:
                self.act()
            else:
                self.report(n)
                n += 1

    def dump(self, path: str) -> None:
        Path(path).write_text(
            json.dumps({"orders": self.orders, "actions": self.actions, "counts": self.counts})
        )


def client_main(index: int, plan: dict, out: str) -> None:
    driver = Driver(index, plan)
    try:
        driver.run()
    finally:
        driver.dump(out)


# --- the checks -----------------------------------------------------------------------------


def replay_keys(port: int, token: str, reports: list[dict]) -> Counter:
    """Send every acknowledged key again: each must answer 200, replayed, with its order."""
    client = Client(port, token=token)
    outcome: Counter = Counter()
    for report in reports:
        for key, order_id in report["orders"].items():
            body = {"description": "重放", "lon": 0, "lat": 0}
            status, head, data = client.request("POST", ORDERS, body, {"Idempotency-Key": key})
            same = status == 200 and head.get("Idempotent-Replayed") == "true"
            outcome["ok" if same and data["id"] == order_id else "failed"] += 1
    client.close()
    return outcome


def check_database(worker, reports: list[dict]) -> dict:
    """What the database holds for the bench's keys and orders."""
    from yiwang.workorders.models import WorkOrder, WorkOrderEvent

    by_key: dict[str, list[int]] = {}
    rows = WorkOrder.objects.filter(reporter=worker, idempotency_key__contains=":crash-")
    for order_id, composite in rows.values_list("id", "idempotency_key"):
        by_key.setdefault(composite.split(":", 2)[2], []).append(order_id)
    events = Counter(
        WorkOrderEvent.objects.filter(
            order_id__in=[i for ids in by_key.values() for i in ids],
            action__in=list(DONE_STATUS),
        ).values_list("order_id", "action")
    )
    return {"by_key": by_key, "events": events}


def summarise(reports: list[dict], found: dict, replay: Counter, restarts: list) -> dict:
    counts: Counter = Counter()
    acked_orders: dict[str, int] = {}
    acked_actions: Counter = Counter()
    for report in reports:
        counts.update(report["counts"])
        acked_orders.update(report["orders"])
        acked_actions.update((order_id, action) for order_id, action, _ in report["actions"])
    by_key, events = found["by_key"], found["events"]
    lost_orders = sum(1 for k, i in acked_orders.items() if by_key.get(k, []) != [i])
    duplicate_orders = sum(len(ids) - 1 for ids in by_key.values() if len(ids) > 1)
    lost_actions = sum(1 for pair in acked_actions if events.get(pair, 0) == 0)
    duplicate_actions = sum(n - 1 for n in events.values() if n > 1) + sum(
        n - 1 for n in acked_actions.values() if n > 1
    )
    unacknowledged_orders = sum(1 for key in by_key if key not in acked_orders)
    unacknowledged_actions = sum(1 for pair in events if pair not in acked_actions)
    problems = {
        "lost_orders": lost_orders,
        "duplicate_orders": duplicate_orders,
        "lost_actions": lost_actions,
        "duplicate_actions": duplicate_actions,
        "unacknowledged_orders": unacknowledged_orders,
        "unacknowledged_actions": unacknowledged_actions,
        "replay_failed": replay.get("failed", 0),
        "server_errors": counts.get("server_errors", 0),
    }
    return {
        "ok": not any(problems.values()) and bool(restarts) and bool(acked_orders),
        **problems,
        "acknowledged_orders": len(acked_orders),
        "acknowledged_actions": sum(acked_actions.values()),
        "replayed_ok": replay.get("ok", 0),
        "kills": len(restarts),
        "restarts": restarts,
        "counts": dict(sorted(counts.items())),
    }
