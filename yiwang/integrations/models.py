"""业务对接 models: Open311 API keys, the Open311 submissions behind work orders, and the extra
attributes (service definition) a category may ask of an Open311 client."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from yiwang.core.pii import EncryptedTextField


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Open311ApiKey(models.Model):
    """An Open311 client (e.g. a FixMyStreet instance, a 12345 app) allowed to POST requests.

    Only the SHA-256 of the key is stored; the key is shown once when issued. Work orders the
    client creates are filed by `user`, a service account, so the audit log says who.
    """

    name = models.CharField("名称", max_length=100)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("密钥前缀", max_length=8, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="open311_keys",
        verbose_name="服务账号",
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "Open311 接口密钥"
        verbose_name_plural = "Open311 接口密钥"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "o311-" + secrets.token_urlsafe(24)

    def set_key(self, raw: str) -> None:
        self.key_hash = hash_key(raw)
        self.key_prefix = raw[:8]

    @classmethod
    def find_active(cls, raw: str) -> Open311ApiKey | None:
        if not raw:
            return None
        key = cls.objects.select_related("user").filter(key_hash=hash_key(raw)).first()
        if key is None or not key.is_active or not key.user.is_active:
            return None
        return key

    def touch(self) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now


def new_token() -> str:
    return uuid.uuid4().hex


class Open311Submission(models.Model):
    """What an Open311 client sent with a work order it created (POST requests).

    The work order holds what the platform works with (description, place, photos, reporter
    name and phone); this row keeps the rest of the Open311 request: the token, the client's
    device and account ids, the reporter's e-mail (encrypted), extra `attribute[...]` values
    (FixMyStreet sends some of its own), `media_url` and `address_id`.
    """

    token = models.CharField("令牌", max_length=32, unique=True, default=new_token)
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        related_name="open311_submission",
        verbose_name="工单",
    )
    api_key = models.ForeignKey(
        Open311ApiKey,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name="接口密钥",
    )
    service_code = models.CharField("服务编码", max_length=100)
    jurisdiction_id = models.CharField("辖区", max_length=100, blank=True)
    device_id = models.CharField("设备标识", max_length=254, blank=True)
    account_id = models.CharField("账号标识", max_length=254, blank=True)
    email = EncryptedTextField("电子邮箱", blank=True)
    address_id = models.CharField("地址编号", max_length=100, blank=True)
    media_url = models.URLField("图片地址", max_length=1000, blank=True)
    attributes = models.JSONField("扩展属性", default=dict, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311 上报记录"
        verbose_name_plural = "Open311 上报记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.token} → {self.work_order_id}"


class Open311ServiceAttribute(models.Model):
    """An extra question a service (事项小类) asks of Open311 clients (service definition).

    A category with at least one attribute is listed with `metadata: true`.
    """

    class Datatype(models.TextChoices):
        STRING = "string", "单行文本"
        NUMBER = "number", "数字"
        DATETIME = "datetime", "日期时间"
        TEXT = "text", "多行文本"
        SINGLEVALUELIST = "singlevaluelist", "单选"
        MULTIVALUELIST = "multivaluelist", "多选"

    category = models.ForeignKey(
        "workorders.Category",
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name="事项小类",
    )
    code = models.SlugField("编码", max_length=100)
    variable = models.BooleanField("需要填写", default=True, help_text="否：仅为说明文字")
    datatype = models.CharField("类型", max_length=20, choices=Datatype.choices)
    required = models.BooleanField("必填", default=False)
    datatype_description = models.CharField("格式说明", max_length=200, blank=True)
    order = models.PositiveIntegerField("顺序", default=1)
    description = models.CharField("问题", max_length=500)
    values = models.JSONField(
        "可选值",
        default=list,
        blank=True,
        help_text='单选/多选的选项：[{"key": "..", "name": ".."}]',
    )

    class Meta:
        verbose_name = "Open311 服务属性"
        verbose_name_plural = "Open311 服务属性"
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="integrations_attribute_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"

    def allowed_keys(self) -> set[str]:
        return {str(v.get("key", "")) for v in (self.values or []) if isinstance(v, dict)}
