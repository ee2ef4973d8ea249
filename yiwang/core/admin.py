import datetime as dt
import io

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from yiwang.core import services
from yiwang.core.errors import ServiceError, ValidationFailed
from yiwang.core.models import AuditEvent, CalendarDay, CalendarYear


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "target_type", "target_id", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("target_id", "target_repr", "actor_name", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2004, max_value=2200)
    source = forms.CharField(
        label="依据",
        max_length=services.SOURCE_MAX,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）",
    )
    file = forms.FileField(
        label="放假安排表（.xlsx）",
        help_text="每天一行：日期、类型（放假/上班）、名称。放假的每一天与调休上班的每一天都要列出。",
    )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "created_at")
    change_list_template = "admin/core/calendaryear/change_list.html"

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            ),
            path(
                "template/<int:year>/",
                self.admin_site.admin_view(self.template_view),
                name="core_calendaryear_template",
            ),
        ]
        return own + super().get_urls()

    def import_view(self, request):
        """导入国务院办公厅年度放假通知（每天一行的 Excel）。"""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > 1024 * 1024:
                    raise ValidationFailed("文件超过 1 MB，不是一年的放假安排表。")
                rows = services.calendar_rows_from_xlsx(upload.read())
                entry = services.calendar_year_enter(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    source=form.cleaned_data["source"],
                    rows=rows,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                for line in exc.fields.get("rows", [])[:50]:
                    form.add_error(None, line)
            else:
                messages.success(
                    request,
                    f"{entry.year}年放假安排已导入；该年的预估时限已按正式安排重新计算。",
                )
                return redirect("admin:core_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "导入年度放假安排",
            "form": form,
            "opts": self.model._meta,
            "next_year": dt.date.today().year + 1,
        }
        return TemplateResponse(request, "admin/core/calendaryear/import.html", context)

    def template_view(self, request, year: int):
        """A template pre-filled with the provisional holidays of `year` (to correct from the
        notice)."""
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = f"{year}年放假安排"
        sheet.append(list(services.HEADERS))
        for day, kind, name in services.calendar_template_rows(year):
            sheet.append([day, kind, name])
        for row in sheet.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["C"].width = 16
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="calendar-{year}.xlsx"'
        return response


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
