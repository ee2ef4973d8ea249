"""Demo data of 指挥调度 (work orders) for 唯亭街道. Idempotent and quick.

- the category catalogue (already there from the data migration; re-seeded if emptied);
- a responsibility list (权责清单) for the street's departments, including the high-frequency
  flows of seed 001 (车辆违停、占道经营、暴露垃圾、违法搭建) and the local 车库住人 of seed 004,
  with limits in the style of reference.md §1.3 (暴露垃圾 1 工作日, 违法搭建 15 工作日,
  道路不洁 5 工作时) and 12345 limits in working days (§3);
- about a dozen sample orders in every state, made through the services (so each has its
  timeline): waiting for acceptance, in handling, with a 吹哨 sub-task, completed, archived
  and rated, resolved on the spot, overdue (red, supervised by the sweep), near the deadline
  (yellow), in triage, merged, cancelled.

Runs after the accounts and grids demos; without grids, orders land in triage and are
dispatched by hand, so every state still appears. Each scenario runs on its own: one that
fails (e.g. no holiday data for next year yet) is reported and skipped.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

logger = logging.getLogger("yiwang.workorders")

DEMO_PREFIX = "DEMO-"
# Near the demo grid worker's grid (grids/demo.py: 120.7800 E, 31.3700 N) and elsewhere.
HOME = (120.7800, 31.3700)
POINTS = [(120.7805, 31.3703), (120.7795, 31.3698), (120.7650, 31.3500), (120.8100, 31.3900)]

# (category, department, cooperating, limit, unit, on the spot, 立案条件/结案条件 note)
RULES = [
    ("09009", "综合行政执法局", [], 2, "work_days", True, "机动车停放在禁停区域、人行道、绿地"),
    ("09010", "综合行政执法局", [], 1, "work_days", True, ""),
    ("09006", "综合行政执法局", [], 2, "work_days", True, "占用道路、人行道摆摊经营"),
    ("09005", "综合行政执法局", [], 2, "work_days", True, ""),
    ("09001", "综合行政执法局", [], 1, "work_days", True, ""),
    ("09012", "综合行政执法局", ["安全生产监督管理局"], 1, "work_days", False, ""),
    ("09015", "综合行政执法局", ["经济发展局"], 5, "work_days", False, ""),
    ("06010", "社区治理局", [], 1, "work_days", True, "路面、绿地等处暴露垃圾"),
    ("06042", "社区治理局", [], 8, "work_hours", True, ""),
    ("06012", "社区治理局", [], 5, "work_hours", True, ""),
    ("06036", "社区治理局", [], 2, "work_days", True, ""),
    ("06013", "社区治理局", [], 5, "work_days", False, ""),
    ("06025", "社区治理局", [], 15, "work_days", False, ""),
    ("06001", "综合行政执法局", ["社区治理局"], 15, "work_days", False, "未经批准搭建建（构）筑物"),
    ("06028", "综合行政执法局", [], 3, "work_days", False, ""),
    ("06027", "综合行政执法局", [], 5, "work_days", False, ""),
    ("06029", "综合行政执法局", [], 2, "hours", True, "未经许可露天烧烤：到场 1 小时、处置 2 小时"),
    ("07001", "综合行政执法局", [], 1, "work_days", True, ""),
    ("08001", "综合行政执法局", [], 2, "work_days", False, ""),
    ("08004", "综合行政执法局", ["安全生产监督管理局"], 2, "work_days", False, ""),
    ("90001", "综合行政执法局", ["安全生产监督管理局", "社区治理局"], 3, "work_days", False,
     "车库、地下室住人，存在消防安全隐患"),
    ("90002", "社区治理局", ["综合行政执法局"], 5, "work_days", False, ""),
    ("90003", "安全生产监督管理局", [], 1, "work_days", True, ""),
    ("90004", "社区治理局", [], 5, "work_days", True, ""),
    ("90005", "综合行政执法局", ["经济发展局"], 5, "work_days", False, ""),
    ("90006", "安全生产监督管理局", [], 3, "work_days", False, ""),
    ("90007", "社会事业局", [], 2, "work_days", True, ""),
    ("90008", "社区治理局", ["社会事业局"], 1, "work_days", True, ""),
    ("12345-0101", "社区治理局", [], 10, "work_days", False, ""),
    ("12345-0102", "社区治理局", [], 5, "work_days", False, "物业服务、小区设施"),
    ("12345-0201", "综合行政执法局", [], 10, "work_days", False, ""),
    ("12345-0301", "社区治理局", [], 10, "work_days", False, ""),
    ("12345-0401", "社会事业局", [], 10, "work_days", False, ""),
    ("12345-0501", "社会事业局", [], 10, "work_days", False, "欠薪等劳动关系诉求"),
    ("12345-0502", "为民服务中心", [], 5, "work_days", False, ""),
    ("12345-0601", "经济发展局", [], 10, "work_days", False, ""),
    ("12345-0701", "社会事业局", [], 10, "work_days", False, ""),
    ("12345-0801", "社会事业局", [], 10, "work_days", False, ""),
    ("12345-0803", "社会事业局", [], 10, "work_days", False, ""),
    ("12345-0903", "社区治理局", [], 10, "work_days", False, ""),
    ("12345-9901", "为民服务中心", [], 2, "work_days", False, "政策咨询：2 个工作日内答复"),
    # 管理部件 (GB/T 47678.5-2026 表A.1): the components residents meet most. 井盖 missing or
    # loose is a fall hazard: 1 工作日; 路灯: 1 工作日 (reference.md §1.3, 太原 example).
    ("01001", "社区治理局", [], 1, "work_days", False, "供水井盖缺失、破损、松动、移位"),
    ("01002", "社区治理局", [], 1, "work_days", False, "污水井盖缺失、破损、松动、移位"),
    ("01003", "社区治理局", [], 1, "work_days", False, "雨水井盖缺失、破损、松动、移位"),
    ("01004", "社区治理局", [], 1, "work_days", False, "雨水箅子缺失、破损、堵塞"),
    ("01023", "社区治理局", [], 1, "work_days", False, "权属不明的井盖缺失、破损、松动"),
    ("01013", "安全生产监督管理局", ["社区治理局"], 1, "work_days", False,
     "消火栓、灭火器箱等消防设施缺损、漏水、被圈占"),
    ("01037", "社区治理局", [], 1, "work_days", False, "路灯不亮、灯杆倾斜、灯具破损"),
    ("01039", "社区治理局", [], 3, "work_days", False, ""),
    ("01046", "社区治理局", [], 3, "work_days", False, "健身器材破损、松动"),
    ("01054", "安全生产监督管理局", ["社区治理局"], 2, "work_days", False, ""),
    ("02010", "综合行政执法局", ["社区治理局"], 3, "work_days", False,
     "交通标志牌歪斜、缺损，标线不清"),
    ("02014", "综合行政执法局", [], 1, "work_days", False, "交通信号灯不亮、故障"),
    ("02017", "综合行政执法局", ["社区治理局"], 2, "work_days", False, "交通护栏破损、倒伏"),
    ("02025", "综合行政执法局", [], 2, "work_days", True, ""),
    ("02034", "社区治理局", [], 3, "work_days", False, "盲道、无障碍坡道等设施缺损"),
    ("03001", "社区治理局", [], 1, "work_days", False, ""),
    ("03005", "社区治理局", [], 8, "work_hours", True, "垃圾箱满溢、破损、缺失"),
    ("04002", "社区治理局", [], 3, "work_days", False, "行道树倒伏、枯死、遮挡"),
    ("04007", "社区治理局", [], 3, "work_days", False, ""),
    ("06051", "社区治理局", [], 3, "work_days", False, ""),
    ("09019", "综合行政执法局", [], 1, "work_days", True, "占用盲道等无障碍通道"),
]  # fmt: skip


def _rules(admin) -> int:
    from yiwang.accounts.demo import department
    from yiwang.workorders.models import ResponsibilityRule
    from yiwang.workorders.services import responsibility_rule_save

    created = 0
    for code, dept, coop, value, unit, on_spot, note in RULES:
        if ResponsibilityRule.objects.filter(category__code=code, region_prefix="").exists():
            continue
        responsibility_rule_save(
            actor=admin,
            category=code,
            primary_department=department(dept),
            cooperating_departments=[department(d) for d in coop],
            limit_value=value,
            limit_unit=unit,
            on_spot_allowed=on_spot,
            filing_criteria=note,
            note="演示权责清单",
        )
        created += 1
    return created


def _workdays_ago(n: int, hour: int = 9) -> dt.datetime:
    from yiwang.core.workdays import is_workday

    day = timezone.localdate()
    count = 0
    while count < n:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class _Demo:
    def __init__(self, stdout):
        from yiwang.accounts.models import User

        self.stdout = stdout
        users = {u.username: u for u in User.objects.filter(username__in=[
            "admin", "leader", "dispatcher", "gridworker", "zhifa", "resident"])}  # fmt: skip
        self.u = users
        self.done = 0
        self.failed = []

    def create(self, key, **kwargs):
        from yiwang.workorders.services import work_order_create

        kwargs.setdefault("external_id", DEMO_PREFIX + key)
        kwargs.setdefault("channel", "staff" if kwargs.get("actor") is None else None)
        return work_order_create(**kwargs)

    def dispatched(self, order, department=None):
        """Make sure an order is dispatched (by hand when it could not be routed)."""
        from yiwang.accounts.demo import department as dept
        from yiwang.workorders.services import work_order_dispatch

        if order.status == "dispatched":
            return order
        return work_order_dispatch(
            actor=self.u["dispatcher"],
            order=order,
            version=order.version,
            department=dept(department or "综合行政执法局"),
            limit_value=None if order.category_id else 3,
            limit_unit="work_days",
            note="演示：人工派遣",
        )

    def run(self, name, scenario):
        try:
            scenario()
            self.done += 1
        except Exception as exc:  # a demo scenario must never stop the demo
            logger.warning("demo scenario %s skipped: %s", name, exc)
            self.failed.append(f"{name}（{getattr(exc, 'message', exc)}）")


def _scenarios(d: _Demo):
    from yiwang.workorders import services as sv

    u = d.u

    def garage_waiting():  # seed 004: reported by the grid worker, waiting for 执法局
        o = d.create(
            "01",
            actor=u["gridworker"],
            reporter=u["resident"],
            description="青剑湖花园 12 幢地下车库有人居住，晚上用电做饭，存在消防安全隐患。",
            lon=POINTS[0][0],
            lat=POINTS[0][1],
            address="青剑湖花园 12 幢车库",
            category="90001",
        )
        d.dispatched(o)

    def parking_handling():
        o = d.create(
            "02",
            actor=u["resident"],
            description="小区南门外人行道上长期停放一辆白色轿车，行人只能走机动车道。",
            lon=POINTS[1][0],
            lat=POINTS[1][1],
            category="09009",
            channel="resident",
        )
        o = d.dispatched(o)
        sv.work_order_accept(actor=u["zhifa"], order=o, version=o.version, note="已安排队员前往")

    def stall_completed():
        o = d.create(
            "03",
            actor=u["gridworker"],
            description="菜场东侧路口有水果摊占道经营，早高峰影响通行。",
            lon=POINTS[2][0],
            lat=POINTS[2][1],
            category="09006",
        )
        o = d.dispatched(o)
        o = sv.work_order_accept(actor=u["zhifa"], order=o, version=o.version)
        sv.work_order_complete(
            actor=u["zhifa"],
            order=o,
            version=o.version,
            note="已劝导摊主入市经营，现场恢复通行。",
            no_photo_reason="早高峰人多，执法记录仪视频已存档，未另拍照片",
        )

    def garbage_on_spot_archived_rated():
        o = d.create(
            "04",
            actor=u["resident"],
            description="单元门口有几袋生活垃圾没人收。",
            lon=HOME[0],
            lat=HOME[1],
            category="06010",
            channel="resident",
        )
        if o.status in ("triage", "dispatched") and o.grid_id:
            o = sv.work_order_resolve_on_spot(
                actor=u["gridworker"],
                order=o,
                version=o.version,
                note="已联系保洁清运。",
                no_photo_reason="保洁已清运，忘记拍照，次日巡查补看",
            )
        else:
            o = d.dispatched(o, "社区治理局")
            o = sv.work_order_resolve_on_spot(
                actor=u["admin"],
                order=o,
                version=o.version,
                note="已联系保洁清运。",
                no_photo_reason="保洁已清运，忘记拍照，次日巡查补看",
            )
        o = sv.work_order_verify(actor=u["dispatcher"], order=o, version=o.version, note="照片核实")
        sv.work_order_rate(
            actor=u["resident"],
            order=o,
            version=o.version,
            satisfaction="satisfied",
            comment="很及时",
        )

    def building_overdue():  # 15 working days, reported 17 working days ago: red
        o = d.create(
            "05",
            actor=None,
            reporter=None,
            channel="hotline_12345",
            description="某小区 3 幢顶楼有人搭建彩钢板房。",
            lon=POINTS[3][0],
            lat=POINTS[3][1],
            category="06001",
            reported_at=_workdays_ago(17),
            reporter_name="王先生",
            reporter_phone="13800138000",
        )
        o = d.dispatched(o)
        o = sv.work_order_accept(actor=u["zhifa"], order=o, version=o.version)
        sv.work_order_assist(
            actor=u["zhifa"],
            order=o,
            version=o.version,
            departments=[_dept("安全生产监督管理局").pk],
            note="彩钢板房存在消防隐患，请安监局到场协同检查。",
        )

    def near_deadline():  # 5 working days, reported 5 working days ago at 16:00: yellow
        o = d.create(
            "06",
            actor=None,
            reporter=None,
            channel="hotline_12345",
            description="小区物业长期不清理楼道，业主多次反映无果。",
            lon=POINTS[0][0],
            lat=POINTS[0][1],
            category="12345-0102",
            reported_at=_workdays_ago(5, hour=16),
        )
        d.dispatched(o, "社区治理局")

    def triage():
        d.create(
            "07",
            actor=u["resident"],
            channel="resident",
            description="楼下商铺每天深夜还在装修，电钻声很吵。",
            address="唯亭街道星湖街某商铺",
        )

    def merged_and_cancelled():
        master = d.create(
            "08",
            actor=u["resident"],
            channel="resident",
            description="小区门口窨井盖松动，踩上去会响。",
            address="唯亭街道青剑路",
        )
        duplicate = d.create(
            "09",
            actor=u["gridworker"],
            description="青剑路小区门口窨井盖松动。",
            address="唯亭街道青剑路",
        )
        sv.work_order_merge(
            actor=u["dispatcher"],
            order=duplicate,
            version=duplicate.version,
            into=master.pk,
            note="同一窨井盖",
        )
        mistaken = d.create(
            "10",
            actor=u["resident"],
            channel="resident",
            description="（误报）测试上报。",
            address="唯亭街道",
        )
        sv.work_order_cancel(
            actor=u["resident"], order=mistaken, version=mistaken.version, reason="误报"
        )

    def supervised():
        o = d.create(
            "11",
            actor=u["gridworker"],
            description="人行道上有共享单车和电动车乱停，占了盲道。",
            lon=POINTS[1][0],
            lat=POINTS[1][1],
            category="09010",
        )
        o = d.dispatched(o)
        leader = u["leader"] if o.region_code else u["dispatcher"]  # unplaced: street roles can't
        sv.work_order_supervise(
            actor=leader, order=o, version=o.version, note="盲道问题群众反映多，请优先处理。"
        )

    return [
        ("车库住人（待签收）", garage_waiting),
        ("机动车乱停放（处置中）", parking_handling),
        ("占道经营（待核查）", stall_completed),
        ("暴露垃圾（现场处置、结案、评价）", garbage_on_spot_archived_rated),
        ("私搭乱建（超期、吹哨）", building_overdue),
        ("物业投诉（临近时限）", near_deadline),
        ("待分拣", triage),
        ("合并与撤销", merged_and_cancelled),
        ("督办", supervised),
    ]


def _dept(name):
    from yiwang.accounts.demo import department

    return department(name)


def load(stdout) -> None:
    from yiwang.accounts.models import User
    from yiwang.workorders.catalogue import seed_categories
    from yiwang.workorders.models import Category, WorkOrder
    from yiwang.workorders.services import work_order_sla_sweep

    seed_categories(Category)
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        stdout.write("工单：缺少演示账号（accounts 演示数据未载入），跳过。")
        return
    rules = _rules(admin)
    if WorkOrder.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        stdout.write(f"工单：权责清单新增 {rules} 条；演示工单已存在，跳过。")
        return
    d = _Demo(stdout)
    for name, scenario in _scenarios(d):
        d.run(name, scenario)
    sweep = work_order_sla_sweep()
    message = (
        f"工单：{Category.objects.count()} 个分类，权责清单新增 {rules} 条，演示场景 {d.done} 个，"
        f"时限巡检 黄 {sweep['yellow']} 红 {sweep['red']}"
    )
    if d.failed:
        message += f"；跳过：{'；'.join(d.failed)}"
    stdout.write(message)
