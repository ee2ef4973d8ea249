"""Forms of the work-order pages: they parse and check the input and give Chinese messages;
the rules themselves (state, role, version, photo checks) stay in the services, whose errors
the views put back onto these forms."""

from __future__ import annotations

from django import forms

from yiwang.core.validators import check_phone
from yiwang.core.workdays import TimeUnit
from yiwang.workorders.models import DESCRIPTION_MAX, WorkOrder

REQUIRED = "请填写此项。"


class MultipleFileInput(forms.ClearableFileInput):
    """Several photos at once, with a Chinese “拍照 / 选择照片” button (see forms.js)."""

    allow_multiple_selected = True
    template_name = "workorders/widgets/photos.html"


class ChineseForm(forms.Form):
    """Labels without the ASCII colon Django adds."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PhotosField(forms.FileField):
    """Zero or more image files (the services check that each one is a real image)."""

    def __init__(self, *, capture: bool = False, **kwargs):
        attrs = {"accept": "image/*", "multiple": True}
        if capture:
            attrs["capture"] = "environment"
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _category_field(
    *, label: str = "事项分类", empty: str = "（不确定，由系统智能分拣）"
) -> forms.ChoiceField:
    from yiwang.workorders.page_selectors import category_choices

    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", empty), *category_choices()],
        error_messages={
            "invalid_choice": "请选择列表中的事项分类。",
            "required": "请选择事项分类。",
        },
    )


def _unit_choices():
    from yiwang.workorders.page_selectors import handling_units

    return [(str(u.pk), u.name) for u in handling_units()]


class ReportForm(ChineseForm):
    """上报 (resident: text, photo, place on the map / address; grid worker: camera + GPS)."""

    description = forms.CharField(
        label="问题描述",
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "请描述问题：什么地方、什么情况"}),
        error_messages={
            "required": "请填写问题描述。",
            "max_length": f"问题描述不能超过 {DESCRIPTION_MAX} 字。",
        },
    )
    category = forms.ChoiceField(required=False)  # replaced in __init__
    address = forms.CharField(
        label="地址",
        max_length=256,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：青剑湖花园 12 幢车库"}),
        error_messages={"max_length": "地址不能超过 256 字。"},
    )
    lon = forms.FloatField(
        label="经度",
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "invalid": "经度必须是数字。",
            "min_value": "经度超出范围（-180～180）。",
            "max_value": "经度超出范围（-180～180）。",
        },
    )
    lat = forms.FloatField(
        label="纬度",
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "invalid": "纬度必须是数字。",
            "min_value": "纬度超出范围（-90～90）。",
            "max_value": "纬度超出范围（-90～90）。",
        },
    )
    priority = forms.ChoiceField(
        label="紧急程度",
        required=False,
        choices=WorkOrder.Priority.choices,
        initial=WorkOrder.Priority.NORMAL,
        error_messages={"invalid_choice": "紧急程度无效。"},
    )
    photos = PhotosField(label="现场照片")
    reporter_name = forms.CharField(
        label="反映人姓名",
        max_length=50,
        required=False,
        error_messages={"max_length": "姓名不能超过 50 字。"},
    )
    reporter_phone = forms.CharField(
        label="反映人电话",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        error_messages={"max_length": "电话不能超过 20 位。"},
    )

    def __init__(self, *args, grid_worker: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid_worker = grid_worker
        self.fields["category"] = _category_field()
        if grid_worker:
            self.fields["photos"] = PhotosField(label="现场照片（拍照）", capture=True)
        else:
            for name in ("reporter_name", "reporter_phone", "priority"):
                del self.fields[name]

    def clean_reporter_phone(self):
        phone = self.cleaned_data.get("reporter_phone", "").strip()
        if phone:
            problem = check_phone(phone)
            if problem:
                raise forms.ValidationError(problem)
        return phone

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if "lon" in self.errors or "lat" in self.errors:
            return data
        if (lon is None) != (lat is None):
            self.add_error("lat" if lat is None else "lon", "经度和纬度须同时提供。")
        elif lon is None and not data.get("address"):
            raise forms.ValidationError("请在地图上点选问题位置，或填写地址。")
        return data


# --- actions on one order -------------------------------------------------------------------


class ActionForm(ChineseForm):
    """Every action posts the `version` the user saw (optimistic concurrency)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "缺少版本号，请刷新后重试。", "invalid": "版本号无效。"},
    )

    def service_kwargs(self) -> dict:
        return {}


def _note(label: str, required: bool, rows: int = 2, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {max_length} 字。",
        },
    )


class DispatchForm(ActionForm):
    category = forms.ChoiceField(required=False)
    department = forms.ChoiceField(required=False)
    limit_value = forms.FloatField(
        label="处置时限",
        required=False,
        min_value=0.1,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": "时限必须是数字。", "min_value": "时限必须大于 0。"},
    )
    limit_unit = forms.ChoiceField(
        label="时限单位", required=False, choices=TimeUnit.CHOICES, initial=TimeUnit.WORK_DAYS
    )
    note = _note("派遣说明", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field(
            label="事项分类（不改则用工单现有分类）", empty="（沿用工单现有分类）"
        )
        self.fields["department"] = forms.ChoiceField(
            label="主办部门（不选则按权责清单）",
            required=False,
            choices=[("", "（按权责清单）"), *_unit_choices()],
            error_messages={"invalid_choice": "请选择列表中的部门。"},
        )

    def service_kwargs(self):
        d = self.cleaned_data
        return {
            "category": d.get("category") or None,
            "department": d.get("department") or None,
            "limit_value": d.get("limit_value"),
            "limit_unit": d.get("limit_unit") or None,
            "note": d.get("note") or "",
        }


class NoteForm(ActionForm):
    note_label = "说明"
    note_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = _note(self.note_label, self.note_required)

    def service_kwargs(self):
        return {"note": self.cleaned_data.get("note") or ""}


class AcceptForm(NoteForm):
    note_label = "签收说明"


class VerifyForm(NoteForm):
    note_label = "核查意见"


class SuperviseForm(NoteForm):
    note_label = "督办意见"
    note_required = True


class ReasonForm(ActionForm):
    reason_label = "原因"
    reason_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _note(self.reason_label, self.reason_required)

    def service_kwargs(self):
        return {"reason": self.cleaned_data.get("reason") or ""}


class ReturnForm(ReasonForm):
    reason_label = "退回原因"


class CancelForm(ReasonForm):
    reason_label = "撤销原因"
    reason_required = False


class ReopenForm(ReasonForm):
    reason_label = "返工原因"
    department = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"] = forms.ChoiceField(
            label="主办部门（不选则沿用）",
            required=False,
            choices=[("", "（沿用原主办部门）"), *_unit_choices()],
            error_messages={"invalid_choice": "请选择列表中的部门。"},
        )

    def service_kwargs(self):
        kwargs = super().service_kwargs()
        kwargs["department"] = self.cleaned_data.get("department") or None
        return kwargs


class AssistForm(ActionForm):
    departments = forms.MultipleChoiceField(required=True)
    note = _note("协办事由", required=True)

    def __init__(self, *args, exclude_departments=(), **kwargs):
        """`exclude_departments`: the primary department and those with an active sub-task."""
        super().__init__(*args, **kwargs)
        excluded = {str(pk) for pk in exclude_departments}
        choices = [(k, v) for k, v in _unit_choices() if k not in excluded]
        self.fields["departments"] = forms.MultipleChoiceField(
            label="请求协办的部门（吹哨）",
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "请选择协办部门。",
                "invalid_choice": "请选择列表中的部门。",
            },
        )

    def service_kwargs(self):
        return {"departments": self.cleaned_data["departments"], "note": self.cleaned_data["note"]}


class ExtendForm(ActionForm):
    value = forms.FloatField(
        label="延长时限",
        min_value=0.1,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={
            "required": "请填写延长时限。",
            "invalid": "时限必须是数字。",
            "min_value": "时限必须大于 0。",
        },
    )
    unit = forms.ChoiceField(
        label="单位",
        choices=TimeUnit.CHOICES,
        initial=TimeUnit.WORK_DAYS,
        error_messages={"required": "请选择时限单位。", "invalid_choice": "时限单位无效。"},
    )
    reason = _note("延期理由", required=True)

    def service_kwargs(self):
        d = self.cleaned_data
        return {"value": d["value"], "unit": d["unit"], "reason": d["reason"]}


class ExtendDecideForm(ActionForm):
    approve = forms.ChoiceField(
        label="审批",
        choices=[("1", "同意延期"), ("0", "不同意")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择同意或不同意。",
            "invalid_choice": "请选择同意或不同意。",
        },
    )
    note = _note("审批意见（不同意时必填）", required=False)

    def service_kwargs(self):
        return {"approve": self.cleaned_data["approve"] == "1", "note": self.cleaned_data["note"]}


class CompleteForm(ActionForm):
    note = _note("处置情况", required=True, rows=3)
    photos = PhotosField(label="处置照片", capture=True)
    no_photo_reason = _note("没有照片时，写明原因", required=False, rows=2)

    def service_kwargs(self):
        return {
            "note": self.cleaned_data["note"],
            "photos": self.cleaned_data["photos"],
            "no_photo_reason": self.cleaned_data.get("no_photo_reason", ""),
        }


class ResolveOnSpotForm(CompleteForm):
    category = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field(
            label="事项分类（不改则用工单现有分类）", empty="（沿用工单现有分类）"
        )

    def service_kwargs(self):
        kwargs = super().service_kwargs()
        kwargs["category"] = self.cleaned_data.get("category") or None
        return kwargs


class MergeForm(ActionForm):
    into = forms.CharField(
        label="并入的工单编号",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "如 WT20261122-0001"}),
        error_messages={"required": "请填写要并入的工单编号。"},
    )
    note = _note("合并说明", required=False)

    def service_kwargs(self):
        return {"into": self.cleaned_data["into"].strip(), "note": self.cleaned_data["note"]}


class RateForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label="满意度",
        choices=WorkOrder.Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意度。", "invalid_choice": "请选择满意度。"},
    )
    comment = _note("评价意见", required=False, max_length=1000)

    def service_kwargs(self):
        return {
            "satisfaction": self.cleaned_data["satisfaction"],
            "comment": self.cleaned_data["comment"],
        }


class TaskForm(ActionForm):
    """协办任务 报到 / 完成."""

    note = _note("说明", required=False)
    photos = PhotosField(label="照片")


# action name → (form class, button label, short help)
ACTIONS = {
    "dispatch": (DispatchForm, "派遣", "按权责清单派遣；无规则时请指定主办部门和时限"),
    "accept": (AcceptForm, "签收", "签收后开始处置"),
    "return": (ReturnForm, "退回", "不属于本部门职责时退回指挥中心重新分拣"),
    "assist": (AssistForm, "吹哨（请求协办）", "请其他部门报到协同处置"),
    "extend": (ExtendForm, "申请延期", "须在处置时限到期前申请"),
    "extend_decide": (ExtendDecideForm, "延期审批", ""),
    "complete": (CompleteForm, "办结", "填写处置情况并上传处置照片，提交指挥中心核查"),
    "verify": (VerifyForm, "核查结案", "核查处置结果，通过后结案归档"),
    "reopen": (ReopenForm, "返工", "处置不到位，退回重新办理"),
    "supervise": (SuperviseForm, "督办", ""),
    "resolve_on_spot": (
        ResolveOnSpotForm,
        "现场处置",
        "小事不出格：按权责清单允许时由网格员当场解决",
    ),
    "merge": (MergeForm, "合并重复工单", "本工单与另一工单反映同一问题时，并入该工单"),
    "cancel": (CancelForm, "撤销", "派遣前可撤销"),
    "rate": (RateForm, "评价", "对办理结果进行评价（回访）"),
}
