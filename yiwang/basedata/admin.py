"""Django admin (系统管理) for base data, in Chinese. Lists show masked ID numbers and phones;
the change form never shows them in plain text: a new value may be typed in (write-only), and
each save is audited. Unmasked views go through the API's reveal endpoint, with a purpose."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from yiwang.basedata.cleaning import FieldError, clean_id_number, clean_phone
from yiwang.basedata.models import House, Household, ImportBatch, LegalEntity, Person, PersonTag
from yiwang.basedata.services import entity_snapshot, person_snapshot
from yiwang.core.audit import audit_record, snapshot


class PersonAdminForm(forms.ModelForm):
    new_id_number = forms.CharField(
        label="身份证号", required=False, help_text="已加密保存，不显示；填写则替换。"
    )
    new_phone = forms.CharField(
        label="手机号", required=False, help_text="已加密保存，不显示；填写则替换。"
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "address",
            "grid",
            "household",
            "relation",
            "tags",
            "colour",
            "colour_reason",
        ]

    def clean_new_id_number(self):
        value = self.cleaned_data.get("new_id_number", "")
        if not value:
            if self.instance.pk is None:
                raise forms.ValidationError("新登记人员须填写身份证号。")
            return ""
        try:
            value = clean_id_number(value)
        except FieldError as exc:
            raise forms.ValidationError(exc.message)
        from yiwang.core.pii import lookup_hash

        clash = Person.objects.filter(id_hash=lookup_hash(value)).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("该身份证号已登记。")
        return value

    def clean_new_phone(self):
        try:
            return clean_phone(self.cleaned_data.get("new_phone", ""))
        except FieldError as exc:
            raise forms.ValidationError(exc.message)


@admin.register(PersonTag)
class PersonTagAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = (
        "name",
        "id_number_masked",
        "phone_masked",
        "gender",
        "birth_date",
        "grid",
        "household",
        "colour",
        "tag_names",
    )
    list_filter = ("colour", "gender", "tags")
    search_fields = ("name", "address", "household__code", "grid__code")
    list_select_related = ("grid", "household")
    autocomplete_fields = ("household",)
    raw_id_fields = ("grid",)
    filter_horizontal = ("tags",)
    readonly_fields = (
        "id_number_masked",
        "phone_masked",
        "gender",
        "birth_date",
        "version",
        "colour_marked_at",
        "colour_marked_by",
    )
    fieldsets = (
        (
            None,
            {"fields": ("name", "id_number_masked", "new_id_number", "gender", "birth_date")},
        ),
        ("联系与居住", {"fields": ("phone_masked", "new_phone", "address")}),
        ("网格与户", {"fields": ("grid", "household", "relation")}),
        (
            "标签与颜色标记",
            {"fields": ("tags", "colour", "colour_reason", "colour_marked_at", "colour_marked_by")},
        ),
        ("版本", {"fields": ("version",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="身份证号")
    def id_number_masked(self, obj):
        return obj.id_number_masked if obj.pk else ""

    @admin.display(description="手机号")
    def phone_masked(self, obj):
        return obj.phone_masked if obj.pk else ""

    @admin.display(description="标签")
    def tag_names(self, obj):
        return "、".join(t.name for t in obj.tags.all())

    def save_model(self, request, obj, form, change):
        before = person_snapshot(Person.objects.get(pk=obj.pk)) if change else None
        if form.cleaned_data.get("new_id_number"):
            obj.set_id_number(form.cleaned_data["new_id_number"])
        if form.cleaned_data.get("new_phone"):
            obj.set_phone(form.cleaned_data["new_phone"])
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        self._audit = (before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, change = getattr(self, "_audit", (None, change))
        audit_record(
            actor=request.user,
            action="basedata.person.update" if change else "basedata.person.create",
            target=form.instance,
            before=before,
            after=person_snapshot(form.instance),
            note="系统管理后台",
        )


class _AuditedAdmin(admin.ModelAdmin):
    """Admin saves write the same audit rows as the services."""

    audit_name = ""
    audit_fields: list[str] = []

    def snap(self, obj):
        return snapshot(obj, self.audit_fields)

    def save_model(self, request, obj, form, change):
        before = self.snap(type(obj).objects.get(pk=obj.pk)) if change else None
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"basedata.{self.audit_name}.{'update' if change else 'create'}",
            target=obj,
            before=before,
            after=self.snap(obj),
            note="系统管理后台",
        )


@admin.register(Household)
class HouseholdAdmin(_AuditedAdmin):
    audit_name = "household"
    audit_fields = ["code", "address", "house", "grid", "head"]
    list_display = ("code", "address", "grid", "head", "house")
    search_fields = ("code", "address", "grid__code")
    list_select_related = ("grid", "head", "house")
    autocomplete_fields = ("house", "head")
    raw_id_fields = ("grid",)
    readonly_fields = ("version",)
    fields = ("code", "address", "grid", "house", "head", "version")


@admin.register(House)
class HouseAdmin(_AuditedAdmin):
    audit_name = "house"
    audit_fields = ["address", "kind", "lon", "lat", "grid", "note"]
    list_display = ("address", "kind", "grid", "lon", "lat")
    list_filter = ("kind",)
    search_fields = ("address", "grid__code")
    list_select_related = ("grid",)
    raw_id_fields = ("grid",)
    readonly_fields = ("version",)
    fields = ("address", "kind", "lon", "lat", "grid", "note", "version")


class LegalEntityAdminForm(forms.ModelForm):
    new_phone = forms.CharField(
        label="联系电话", required=False, help_text="已加密保存，不显示；填写则替换。"
    )

    class Meta:
        model = LegalEntity
        fields = [
            "name",
            "uscc",
            "kind",
            "legal_rep",
            "address",
            "lon",
            "lat",
            "grid",
            "industry",
        ]

    def clean_uscc(self):
        from yiwang.basedata.cleaning import clean_uscc

        try:
            return clean_uscc(self.cleaned_data.get("uscc", ""))
        except FieldError as exc:
            raise forms.ValidationError(exc.message)

    def clean_new_phone(self):
        try:
            return clean_phone(self.cleaned_data.get("new_phone", ""), label="联系电话")
        except FieldError as exc:
            raise forms.ValidationError(exc.message)


@admin.register(LegalEntity)
class LegalEntityAdmin(_AuditedAdmin):
    form = LegalEntityAdminForm
    audit_name = "entity"
    list_display = ("name", "uscc", "kind", "legal_rep", "phone_masked", "grid")
    list_filter = ("kind",)
    search_fields = ("name", "uscc", "address", "grid__code")
    list_select_related = ("grid",)
    raw_id_fields = ("grid",)
    readonly_fields = ("phone_masked", "version")
    fields = (
        "name",
        "uscc",
        "kind",
        "legal_rep",
        "phone_masked",
        "new_phone",
        "address",
        "lon",
        "lat",
        "grid",
        "industry",
        "version",
    )

    @admin.display(description="联系电话")
    def phone_masked(self, obj):
        return obj.phone_masked if obj.pk else ""

    def snap(self, obj):
        return entity_snapshot(obj)

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("new_phone"):
            obj.phone = form.cleaned_data["new_phone"]
        super().save_model(request, obj, form, change)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "filename",
        "actor_name",
        "total",
        "created",
        "updated",
        "rejected",
        "dry_run",
        "created_at",
    )
    list_filter = ("kind", "dry_run")
    search_fields = ("filename", "actor_name")
    fields = (
        "kind",
        "filename",
        "actor_name",
        "dry_run",
        "total",
        "created",
        "updated",
        "rejected",
        "blank_rows",
        "errors",
        "warnings",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
