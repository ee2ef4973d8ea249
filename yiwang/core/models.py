"""Shared kernel tables: the audit log, the holiday calendar, and base model mixins."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic concurrency: services check the client's version and bump it on every write."""

    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        abstract = True

    def bump_version(self, *, fields: list[str]) -> None:
        """Save `fields` only if nobody changed the row since we read it (compare-and-set)."""
        from yiwang.core.errors import StaleVersion
        from yiwang.core.statements import update_versioned

        if not update_versioned(self, fields):
            raise StaleVersion()
        self.version += 1


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted (审计日志、流转记录)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(f"{self._meta.verbose_name}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._meta.verbose_name}只能追加，不能删除。")


class AuditEvent(AppendOnlyModel):
    """Append-only audit log (审计日志): who did what to which record, before and after.

    Rows are never updated or deleted: `save` refuses an update and `delete` is refused.
    """

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=80, db_index=True)
    target_type = models.CharField("对象类型", max_length=80, db_index=True)
    target_id = models.CharField("对象编号", max_length=64, db_index=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"


class CalendarYear(models.Model):
    """A year whose holidays an administrator has entered (节假日安排已录入).

    chinese-calendar covers 2004-2026; any other year must be declared here, with its
    `CalendarDay` rows, before working days can be counted in it.
    """

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField(
        "依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """An override of one day: a statutory holiday (放假) or a make-up working day (调休上班).

    Also used inside the package's years for local adjustments.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "上班（调休）"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True, help_text="如：春节")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class DocumentSequence(models.Model):
    """The last number issued in one series of printed papers in one year (文书编号).

    Numbers run per series and year without gaps: `core.numbering.issue_number` takes the next
    one under a row lock in the caller's transaction, so a rolled-back paper gives its number
    back and two clerks never get the same one.
    """

    series = models.CharField("文书系列", max_length=40)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用到的号", default=0)

    class Meta:
        verbose_name = "文书编号"
        verbose_name_plural = "文书编号"
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="core_docseq_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}〔{self.year}〕{self.last}"


class VoidedNumber(models.Model):
    """A document number that was issued and then voided (作废): recorded, never reused."""

    series = models.CharField("文书系列", max_length=40)
    year = models.PositiveIntegerField("年度")
    number = models.PositiveIntegerField("号")
    reason = models.CharField("作废原因", max_length=200)
    voided_at = models.DateTimeField("作废时间", auto_now_add=True)

    class Meta:
        verbose_name = "作废文书编号"
        verbose_name_plural = "作废文书编号"
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "number"], name="core_voided_series_year_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}〔{self.year}〕{self.number}（作废）"
