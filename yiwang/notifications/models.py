"""The in-app inbox (消息) and each message's SMS delivery state.

A notification is one message to one user. The inbox copy is delivered the moment the row
exists; the SMS copy (when asked for and the user has a phone) has its own delivery state,
retried by the worker with backoff until it is sent or given up.

A message to a bare phone (短信告知, e.g. a walk-in applicant with no account, known only by the
phone in the 人口库) has no recipient and no inbox copy: only the SMS, with the same delivery
state, and the phone encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.core.pii import EncryptedTextField, mask_phone


class Notification(models.Model):
    class Kind(models.TextChoices):
        DISPATCH = "dispatch", "派单"
        SUPERVISE = "supervise", "督办"
        OVERDUE = "overdue", "超期"
        REOPEN = "reopen", "返工"
        ASSIST = "assist", "吹哨报到"
        NOTICE = "notice", "一次性告知"
        RESULT = "result", "出件"
        ARCHIVED = "archived", "结案"
        TASK = "task", "工作布置"
        INCIDENT = "incident", "应急处置"
        REPORT = "report", "报表"
        OTHER = "other", "其他"

    class Sms(models.TextChoices):
        NONE = "none", "不发短信"
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败待重试"
        GAVE_UP = "gave_up", "发送失败已放弃"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # Only for a message to a bare phone (no recipient): where its SMS goes.
    phone = EncryptedTextField("短信号码", blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True, max_length=2000)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sms_state = models.CharField("短信状态", max_length=10, choices=Sms.choices, default=Sms.NONE)
    sms_attempts = models.PositiveSmallIntegerField("短信发送次数", default=0)
    sms_next_try_at = models.DateTimeField("下次发送时间", null=True, blank=True)
    sms_sent_at = models.DateTimeField("短信发出时间", null=True, blank=True)
    sms_error = models.CharField("短信错误", max_length=300, blank=True)
    sms_message_id = models.CharField("短信回执编号", max_length=100, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["sms_state", "sms_next_try_at"], name="notif_sms_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(phone=""),
                name="notif_recipient_or_phone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient or self.masked_phone} · {self.title}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def sms_phone(self) -> str:
        """Where the SMS goes: the bare phone, else the recipient's account phone."""
        if self.phone:
            return self.phone.strip()
        return (getattr(self.recipient, "phone", "") or "").strip()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
