"""Base data (基础数据): the people (人口库), household (户), house (房屋库) and legal-entity
(法人库) registries of a street, each row tied to the grid (网格) it lies in.

Personal data: ID numbers and phones are stored encrypted (`EncryptedTextField`) with a keyed
hash beside them for exact lookup; they leave the system masked unless a role in
`accounts.models.PII_ROLES` asks for them with a purpose, and each such view is audited.

Data scope (who sees which rows) — see `access.py`:

| role                                   | people, households | houses, legal entities |
|----------------------------------------|--------------------|------------------------|
| 网格员 / 党群专员                       | their grids        | their grids            |
| any staff role in a community unit     | the community      | the community          |
| 街道领导 / 指挥中心坐席 / 管理员         | the street         | the street             |
| 综窗人员 (checks applicants)            | the street         | the street             |
| 职能部门人员 / 执法队员                  | none               | the street             |
| 居民                                    | none               | none                   |
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField, mask_id_number, mask_phone


def _grid_fk(related_name: str, *, null: bool = False):
    return models.ForeignKey(
        "grids.Region",
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"level": "grid"},
        null=null,
        blank=null,
    )


class PersonTag(models.Model):
    """The controlled vocabulary of person tags (人员标签): 独居老人、残疾人、低保 …

    Seeded by a data migration; an administrator may add more in the admin."""

    name = models.CharField("标签", max_length=30, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "人员标签"
        verbose_name_plural = "人员标签"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class House(TimeStampedModel, VersionedModel):
    """A house or premises (房屋): one address, one point, one grid."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", "住宅"
        SHOP = "shop", "商铺"
        FACTORY = "factory", "厂房"
        OTHER = "other", "其他"

    address = models.CharField("地址", max_length=200, unique=True)
    kind = models.CharField("房屋类型", max_length=20, choices=Kind.choices, default="residential")
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    grid = _grid_fk("houses")
    note = models.CharField("备注", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        ordering = ["grid__code", "address"]

    def __str__(self) -> str:
        return self.address

    @staticmethod
    def scope_q(scope):
        from yiwang.basedata.access import registry_q

        return registry_q(scope, "grid__code", people=False)


class Household(TimeStampedModel, VersionedModel):
    """A household (户): the people who live together, with a head (户主)."""

    code = models.CharField("户编号", max_length=40, unique=True)
    address = models.CharField("住址", max_length=200, blank=True)
    house = models.ForeignKey(
        House,
        verbose_name="房屋",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
    )
    grid = _grid_fk("households")
    head = models.ForeignKey(
        "Person",
        verbose_name="户主",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["grid__code", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.address}".strip()

    @staticmethod
    def scope_q(scope):
        from yiwang.basedata.access import registry_q

        return registry_q(scope, "grid__code", people=True)


class Person(TimeStampedModel, VersionedModel):
    """A person (人口). The ID number is the natural key, found through `id_hash`."""

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        GRANDPARENT = "grandparent", "祖父母"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    class Colour(models.TextChoices):
        """Thematic colour tag (颜色标记), e.g. the epidemic screening of seed 004."""

        NONE = "", "无"
        RED = "red", "红"
        YELLOW = "yellow", "黄"
        GREEN = "green", "绿"

    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number = EncryptedTextField("身份证号")
    id_hash = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    phone = EncryptedTextField("手机号", blank=True)
    phone_hash = models.CharField("手机号索引", max_length=64, blank=True, db_index=True)
    address = models.CharField("住址", max_length=200, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices, blank=True)
    grid = _grid_fk("people")
    tags = models.ManyToManyField(PersonTag, verbose_name="标签", blank=True, related_name="people")
    colour = models.CharField(
        "颜色标记", max_length=10, choices=Colour.choices, default="", blank=True, db_index=True
    )
    colour_reason = models.CharField("标记原因", max_length=200, blank=True)
    colour_marked_at = models.DateTimeField("标记时间", null=True, blank=True)
    colour_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="标记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "人口"
        verbose_name_plural = "人口"
        ordering = ["grid__code", "name", "id"]
        indexes = [models.Index(fields=["grid", "colour"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @staticmethod
    def scope_q(scope):
        from yiwang.basedata.access import registry_q

        return registry_q(scope, "grid__code", people=True)

    def set_id_number(self, value: str) -> None:
        """Set the ID number (already validated) and everything derived from it."""
        from yiwang.core.pii import lookup_hash
        from yiwang.core.validators import (
            id_number_birth_date,
            id_number_gender,
            normalize_id_number,
        )

        value = normalize_id_number(value)
        self.id_number = value
        self.id_hash = lookup_hash(value)
        self.gender = id_number_gender(value)
        self.birth_date = id_number_birth_date(value)

    def set_phone(self, value: str) -> None:
        from yiwang.core.pii import lookup_hash
        from yiwang.core.validators import normalize_phone

        value = normalize_phone(value)
        self.phone = value
        self.phone_hash = lookup_hash(value) if value else ""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class LegalEntity(TimeStampedModel, VersionedModel):
    """A legal entity (法人): enterprise, sole trader, social organisation or public body."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        INDIVIDUAL = "individual", "个体工商户"
        SOCIAL = "social", "社会组织"
        PUBLIC = "public", "机关事业单位"

    name = models.CharField("名称", max_length=200, db_index=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default="enterprise")
    legal_rep = models.CharField("法定代表人/负责人", max_length=50, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    grid = _grid_fk("legal_entities")
    industry = models.CharField("行业", max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人"
        ordering = ["grid__code", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    @staticmethod
    def scope_q(scope):
        from yiwang.basedata.access import registry_q

        return registry_q(scope, "grid__code", people=False)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ImportBatch(models.Model):
    """One .xlsx import (导入批次) and its outcome. The rejected rows (with personal data from the
    uploaded file) are kept encrypted so that the uploader can download the error report."""

    class Kind(models.TextChoices):
        PEOPLE = "people", "人口"
        HOUSES = "houses", "房屋"
        ENTITIES = "entities", "法人"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("导入人名称", max_length=150, blank=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    dry_run = models.BooleanField("仅校验", default=False)
    total = models.PositiveIntegerField("数据行", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    blank_rows = models.PositiveIntegerField("空行", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    rejected_rows = EncryptedTextField("被拒绝的原始行", blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk} {self.filename}"

    @staticmethod
    def scope_q(scope):
        return models.Q(actor_id=scope.user_id)
