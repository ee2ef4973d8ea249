"""Forms of the dispatcher's console: the order-list filters, the phone search, 12345 来电登记
and the batch bar. Chinese labels and messages; bad input never reaches a query."""

from __future__ import annotations

from django import forms

from yiwang.grids.models import Region
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.page_selectors import category_choices, handling_units

ALL = "全部"


class ConsoleForm(forms.Form):
    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _region_choices(level: str) -> list[tuple[str, str]]:
    regions = Region.objects.filter(level=level, is_active=True).order_by("code")
    return [("", ALL), *((r.code, r.name) for r in regions.only("code", "name"))]


class OrderFilterForm(ConsoleForm):
    """全部工单: filters of the order list and of its .xlsx export (GET)."""

    q = forms.CharField(label="关键词", required=False, max_length=100)
    status = forms.ChoiceField(label="状态", required=False)
    category = forms.ChoiceField(label="分类", required=False)
    department = forms.ChoiceField(label="部门", required=False)
    community = forms.ChoiceField(label="社区", required=False)
    grid = forms.ChoiceField(label="网格", required=False)
    channel = forms.ChoiceField(label="渠道", required=False)
    date_from = forms.DateField(
        label="上报自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="上报至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label="超期", required=False)
    supported = forms.BooleanField(label="有人“我也遇到”", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["status"].choices = [("", ALL), *WorkOrder.Status.choices]
        f["channel"].choices = [("", ALL), *WorkOrder.Channel.choices]
        f["category"].choices = [("", ALL), *category_choices()]
        f["department"].choices = [("", ALL), *((str(u.pk), u.name) for u in handling_units())]
        f["community"].choices = _region_choices(Region.Level.COMMUNITY)
        f["grid"].choices = _region_choices(Region.Level.GRID)
        f["q"].widget.attrs["placeholder"] = "工单编号、描述或地址"
        for name in ("status", "category", "department", "community", "grid", "channel"):
            f[name].error_messages["invalid_choice"] = "请从列表中选择。"
        for name in ("date_from", "date_to"):
            f[name].error_messages["invalid"] = "日期格式不正确（如 2026-12-06）。"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        department = data.get("department")
        data["department"] = int(department) if department else None
        return data


class PhoneSearchForm(ConsoleForm):
    """按来电号码查找 (POST: the phone never enters a URL)."""

    phone = forms.CharField(label="来电号码", max_length=30)
    purpose = forms.CharField(label="查找用途", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["purpose"].widget.attrs["placeholder"] = "如：来电人询问办理进度"
        self.fields["phone"].error_messages["required"] = "请填写来电号码。"
        self.fields["purpose"].error_messages["required"] = "请填写查找用途。"


class HotlineForm(ConsoleForm):
    """12345 来电登记: who called, what and where."""

    caller_name = forms.CharField(label="来电人姓名", max_length=50, required=False)
    caller_phone = forms.CharField(label="来电号码", max_length=30)
    description = forms.CharField(
        label="诉求内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label="地址", max_length=256, required=False)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    category = forms.ChoiceField(label="事项分类", required=False)
    priority = forms.ChoiceField(
        label="紧急程度", required=False, choices=[("", "一般"), ("urgent", "紧急")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["category"].choices = [("", "（不确定，由系统智能分拣）"), *category_choices()]
        f["caller_phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        f["caller_phone"].error_messages["required"] = "请填写来电号码。"
        f["description"].error_messages["required"] = "请填写诉求内容。"
        f["category"].error_messages["invalid_choice"] = "请选择列表中的事项分类。"
        for name in ("lon", "lat"):
            f[name].widget.attrs["step"] = "any"
            f[name].error_messages["invalid"] = "坐标须为数字。"

    def clean(self):
        data = super().clean()
        has_lon, has_lat = data.get("lon") is not None, data.get("lat") is not None
        if has_lon != has_lat:
            self.add_error("lon", "经度和纬度须同时填写。")
        if not has_lon and not (data.get("address") or "").strip() and not self.errors:
            self.add_error("address", "请在地图上点选位置或填写地址。")
        return data


class BatchForm(ConsoleForm):
    """批量操作: the chosen orders (`orders`: "id:version" each) and one action."""

    action = forms.ChoiceField(
        label="批量操作",
        choices=[
            ("dispatch", "派遣到部门"),
            ("merge", "合并为某工单的重复"),
            ("supervise", "督办"),
        ],
    )
    department = forms.ChoiceField(label="主办部门", required=False)
    category = forms.ChoiceField(label="事项分类", required=False)
    into = forms.CharField(label="并入工单编号", required=False, max_length=30)
    note = forms.CharField(label="意见", required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["department"].choices = [
            ("", "（按权责清单）"),
            *((str(u.pk), u.name) for u in handling_units()),
        ]
        f["category"].choices = [("", "（保留原分类）"), *category_choices()]
        f["action"].error_messages["invalid_choice"] = "请选择批量操作。"
        f["department"].error_messages["invalid_choice"] = "请从列表中选择主办部门。"
        f["category"].error_messages["invalid_choice"] = "请选择列表中的事项分类。"

    def items(self) -> list[tuple[int, int]]:
        """The chosen orders as (id, version); malformed values are left out."""
        chosen = []
        for value in self.data.getlist("orders")[:1000]:
            pk, _, version = str(value).partition(":")
            if pk.isdigit() and version.isdigit() and len(pk) < 12 and len(version) < 12:
                chosen.append((int(pk), int(version)))
        return list(dict.fromkeys(chosen))
