"""系统管理 · 网格: regions (街道/社区/网格) with their grid workers, and import records.

Saving goes through `grids.services`, so the admin validates polygons exactly as the API and
the importer do (an invalid polygon is a form error naming the problem; sibling overlaps are
shown as warnings after saving).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q

from yiwang.core.errors import ServiceError
from yiwang.grids import services
from yiwang.grids.models import GridImportReport, GridWorker, Region


class GridWorkerInlineForm(forms.ModelForm):
    class Meta:
        model = GridWorker
        fields = ["name", "role", "phone", "user", "is_active"]
        widgets = {"phone": forms.TextInput(attrs={"size": 16})}

    def clean(self):
        data = super().clean()
        try:
            services._check_worker(
                data.get("name", ""), data.get("phone", ""), data.get("role", "")
            )
        except ServiceError as exc:
            for field, errors in exc.fields.items():
                if field in self.fields:
                    self.add_error(field, errors)
                else:
                    raise forms.ValidationError(exc.message)
        return data


class GridWorkerInline(admin.TabularInline):
    model = GridWorker
    form = GridWorkerInlineForm
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "网格员"
    verbose_name_plural = "网格员（姓名、电话依规公开）"


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "special_type", "parent", "geojson", "is_active"]
        widgets = {"geojson": forms.Textarea(attrs={"rows": 6, "cols": 90})}
        help_texts = {
            "code": "留空则在上级编码下自动生成（街道 9 位，社区 +3 位，网格 +3 位）。",
            "geojson": "GeoJSON Polygon 或 MultiPolygon（经度在前，WGS84/CGCS2000）。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.validated = services.region_validate(
                name=data.get("name", ""),
                level=data.get("level", ""),
                kind=data.get("kind", Region.Kind.COMPREHENSIVE),
                special_type=data.get("special_type", ""),
                parent=data.get("parent"),
                code=data.get("code", ""),
                geojson=data.get("geojson", ""),
                instance=self.instance if self.instance.pk else None,
            )
        except ServiceError as exc:
            placed = False
            for field, errors in exc.fields.items():
                if field in self.fields:
                    self.add_error(field, errors)
                    placed = True
            if not placed:
                raise forms.ValidationError(exc.message)
        return data


class StaffedFilter(admin.SimpleListFilter):
    title = "有无网格员"
    parameter_name = "staffed"

    def lookups(self, request, model_admin):
        return [("yes", "已配备"), ("no", "未配备")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(n_workers__gt=0)
        if self.value() == "no":
            return queryset.filter(n_workers=0)
        return queryset


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = (
        "code",
        "official_code",
        "name",
        "level",
        "kind",
        "special_type",
        "parent",
        "workers_count",
        "area_display",
        "is_active",
        "updated_at",
    )
    list_filter = ("level", "kind", "special_type", "is_active", StaffedFilter)
    search_fields = ("code", "official_code", "name", "parent__name")
    list_select_related = ("parent",)
    autocomplete_fields = ["parent"]
    inlines = [GridWorkerInline]
    readonly_fields = (
        "official_code",
        "area_m2",
        "bbox_display",
        "repaired_note",
        "warnings_display",
        "version",
        "created_at",
        "updated_at",
    )
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "official_code",
                    "name",
                    "level",
                    "kind",
                    "special_type",
                    "parent",
                    "is_active",
                ]
            },
        ),
        ("边界", {"fields": ["geojson", "area_m2", "bbox_display"]}),
        (
            "校验",
            {
                "fields": [
                    "repaired_note",
                    "warnings_display",
                    "version",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_workers=Count("workers", filter=Q(workers__is_active=True)))
        )

    @admin.display(description="网格员数", ordering="n_workers")
    def workers_count(self, obj):
        return obj.n_workers

    @admin.display(description="面积（公顷）", ordering="area_m2")
    def area_display(self, obj):
        return "" if obj.area_m2 is None else f"{obj.area_m2 / 10000:.2f}"

    @admin.display(description="范围（经纬度）")
    def bbox_display(self, obj):
        box = obj.bbox
        return "" if box is None else "，".join(f"{v:.6f}" for v in box)

    @admin.display(description="校验提示")
    def warnings_display(self, obj):
        return "；".join(w.get("message", "") for w in obj.warnings or []) or "无"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "level": data["level"],
            "kind": data["kind"],
            "special_type": data.get("special_type", ""),
            "parent": data.get("parent"),
            "code": data.get("code", ""),
            "geojson": data.get("geojson", ""),
            "is_active": data.get("is_active", True),
        }
        if change:
            current = Region.objects.get(pk=obj.pk)
            result = services.region_update(actor=request.user, region=current, **fields)
        else:
            result = services.region_create(actor=request.user, **fields)
        # The inline formset saves against this instance.
        obj.pk, obj.code, obj.version = result.region.pk, result.region.code, result.region.version
        for warning in result.warnings:
            self.message_user(request, warning["message"], messages.WARNING)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for worker in formset.deleted_objects:
            services.grid_worker_remove(actor=request.user, worker=worker)
        for worker in instances:
            fields = {
                "name": worker.name,
                "phone": worker.phone,
                "role": worker.role,
                "user": worker.user,
            }
            if worker.pk is None:
                services.grid_worker_assign(actor=request.user, region=form.instance, **fields)
            else:
                services.grid_worker_update(
                    actor=request.user, worker=worker, is_active=worker.is_active, **fields
                )

    def has_delete_permission(self, request, obj=None):
        # Regions are referenced by base data and work orders: deactivate instead (启用 off).
        return False


@admin.register(GridWorker)
class GridWorkerAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "phone", "region", "user", "is_active")
    list_filter = ("role", "is_active", "region__level")
    search_fields = ("name", "region__code", "region__name", "user__username")
    list_select_related = ("region", "user")
    autocomplete_fields = ["region", "user"]

    def has_add_permission(self, request):
        return False  # add workers on their grid's page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GridImportReport)
class GridImportReportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "source_name",
        "level",
        "kind",
        "total",
        "created",
        "updated",
        "repaired",
        "rejected",
        "overlaps",
        "actor_name",
    )
    list_filter = ("level", "kind")
    search_fields = ("source_name",)
    readonly_fields = [f.name for f in GridImportReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
