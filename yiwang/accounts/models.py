"""System management (系统管理): users, the org-unit tree, roles and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from yiwang.core.pii import HashedEncryptedTextField, KeepsLookupHashes


class Role(models.TextChoices):
    """The roles of design.md. A user holds a role in an org unit through a Membership."""

    RESIDENT = "resident", "居民/企业"
    GRID_WORKER = "grid_worker", "网格员"
    PARTY_SPECIALIST = "party_specialist", "党群专员"
    DEPARTMENT_STAFF = "department_staff", "职能部门人员"
    WINDOW_CLERK = "window_clerk", "综窗人员"
    ENFORCEMENT_OFFICER = "enforcement_officer", "执法队员"
    DISPATCHER = "dispatcher", "指挥中心坐席"
    LEADER = "leader", "街道领导"
    ADMIN = "admin", "系统管理员"


# Roles that see everything inside their org unit's region (the street sees the whole street).
REGION_WIDE_ROLES = {Role.DISPATCHER, Role.LEADER, Role.ADMIN}
# Roles that may see unmasked personal data, with each view audited.
PII_ROLES = {Role.GRID_WORKER, Role.PARTY_SPECIALIST, Role.WINDOW_CLERK, Role.ADMIN}


class User(KeepsLookupHashes, AbstractUser):
    """Custom user from the first migration. `display_name` is the Chinese name shown in pages."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    # Encrypted at rest like every other phone; `filter(phone=…)` still works (keyed hash).
    phone = HashedEncryptedTextField(
        "电话",
        blank=True,
        hash_field="phone_hash",
        normalizer="yiwang.core.validators.normalize_phone",
    )
    phone_hash = models.CharField("电话索引", max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    def roles(self) -> set[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = set(self.memberships.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles() & set(roles))


class OrgUnit(models.Model):
    """An org unit (组织机构): 区 → 街道 → 社区 / 部门.

    `region_code` ties a district, street or community to its region in the grid tree (by code
    prefix), so data scope by region is a prefix match on grid codes.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", "区"
        STREET = "street", "街道"
        COMMUNITY = "community", "社区"
        DEPARTMENT = "department", "部门"

    name = models.CharField("名称", max_length=100)
    code = models.CharField("编码", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region_code = models.CharField(
        "区域编码",
        max_length=40,
        blank=True,
        help_text="街道/社区对应的网格区域编码（按前缀确定数据范围）",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "组织机构"
        verbose_name_plural = "组织机构"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        allowed_parents = {
            self.Kind.DISTRICT: {None},
            self.Kind.STREET: {self.Kind.DISTRICT},
            self.Kind.COMMUNITY: {self.Kind.STREET},
            self.Kind.DEPARTMENT: {self.Kind.STREET, self.Kind.DISTRICT},
        }
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in allowed_parents.get(self.kind, set()):
            raise ValidationError({"parent": f"{self.get_kind_display()}的上级类型不正确。"})
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": "上级不能是自身或下级。"})
            node = node.parent

    def ancestors(self) -> list[OrgUnit]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def descendant_ids(self) -> set[int]:
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(
                OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.update(frontier)
        return ids


class Membership(models.Model):
    """A user's role in an org unit (user × org unit × role)."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="组织机构", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("角色", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org_unit} · {self.get_role_display()}"


class LoginSession(models.Model):
    """One sign-in (登录会话): an API token or a browser session, which the user can see and end.

    API tokens are stored as a SHA-256 digest (the key is shown once, at login), expire after
    `YIWANG_TOKEN_TTL_HOURS`, and carry the user's session auth hash at issue: a password change
    changes that hash, so every token issued before it stops working at once.
    """

    class Kind(models.TextChoices):
        TOKEN = "token", "API 令牌"
        BROWSER = "browser", "浏览器"

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="login_sessions"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    key_digest = models.CharField("令牌摘要", max_length=64, blank=True, db_index=True)
    key_prefix = models.CharField("令牌前缀", max_length=8, blank=True)
    session_key = models.CharField("浏览器会话", max_length=40, blank=True, db_index=True)
    auth_hash = models.CharField("签发时的密码指纹", max_length=128, blank=True)
    created_at = models.DateTimeField("登录时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_reason = models.CharField("注销原因", max_length=30, blank=True)
    user_agent = models.CharField("客户端", max_length=200, blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "登录会话"
        verbose_name_plural = "登录会话"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="loginsession_user_active")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()
