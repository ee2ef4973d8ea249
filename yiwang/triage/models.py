"""智能分拣 tables: the stored classifier models, the dispatchers' corrections, and the likely
duplicates flagged at intake.

The machine-learning code (classifier.py, similarity.py, hotspots.py) knows nothing of Django;
these tables are where its results meet the work-order loop.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ClassifierModel(models.Model):
    """A trained classifier (分拣模型), stored in the database so that every process of every
    machine serves the same one. At most one is active; intake uses the active one."""

    class Source(models.TextChoices):
        ARCHIVED = "archived", "已结案工单"
        CSV = "csv", "标注文件"

    created_at = models.DateTimeField("训练时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="训练人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField("训练数据来源", max_length=20, choices=Source.choices)
    source_note = models.CharField("数据说明", max_length=300, blank=True)
    n_train = models.PositiveIntegerField("训练样本数", default=0)
    labels = models.JSONField("类别", default=list, help_text="分类编码，与模型输出一一对应")
    threshold = models.FloatField(
        "自动派单阈值",
        null=True,
        blank=True,
        help_text="最高概率不低于此值时自动分类派单（验证集上准确率≥98%）；为空则从不自动派单",
    )
    metrics = models.JSONField(
        "验证指标", default=dict, help_text="macro_f1、accuracy、auto_coverage、auto_precision 等"
    )
    blob = models.BinaryField("模型文件")
    sha256 = models.CharField("校验和", max_length=64)
    is_active = models.BooleanField("启用", default=False)

    class Meta:
        verbose_name = "分拣模型"
        verbose_name_plural = "分拣模型"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_classifier"
            )
        ]

    def __str__(self) -> str:
        return f"分拣模型 #{self.pk}（{self.get_source_display()}，{self.n_train} 条）"


class CategoryCorrection(models.Model):
    """A dispatcher's category that differs from the machine's best guess (坐席纠正).
    Retraining uses it as a labelled example, so the model learns from the dispatchers."""

    order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name="工单",
        on_delete=models.CASCADE,
        related_name="category_corrections",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="纠正人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggested = models.CharField("机器建议", max_length=40, blank=True)
    suggested_probability = models.FloatField("建议概率", null=True, blank=True)
    chosen = models.ForeignKey(
        "workorders.Category", verbose_name="人工选定", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("工单描述", help_text="纠正时的描述，用作训练样本")

    class Meta:
        verbose_name = "分拣纠正"
        verbose_name_plural = "分拣纠正"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"工单 {self.order_id}：{self.suggested} → {self.chosen_id}"


class DuplicateFlag(models.Model):
    """A new order that is likely the same matter as an open one (疑似重复): near in place and
    time, with similar text. The dispatcher merges it into the master order or dismisses it."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        MERGED = "merged", "已合并"
        DISMISSED = "dismissed", "非重复"

    order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name="新工单",
        on_delete=models.CASCADE,
        related_name="duplicate_flags",
    )
    candidate = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name="疑似重复的在办工单",
        on_delete=models.CASCADE,
        related_name="+",
    )
    similarity = models.FloatField("文本相似度")
    distance_m = models.FloatField("距离（米）", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "疑似重复"
        verbose_name_plural = "疑似重复"
        ordering = ["-similarity"]
        constraints = [
            models.UniqueConstraint(fields=["order", "candidate"], name="one_flag_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ≈ {self.candidate_id}（{self.similarity:.2f}）"
