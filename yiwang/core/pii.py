"""Personal data (个人信息): masking for display, encryption at rest, keyed lookup hashes.

- Masking keeps the first 6 and last 4 characters of an ID number (the 8 birth-date digits are
  always hidden) and 3 + 4 digits of a phone (138****1234): common practice, no binding standard.
- Encryption: Fernet (AES-128-CBC + HMAC-SHA256) with the key(s) in YIWANG_FIELD_KEY; several
  comma-separated keys allow rotation (the first encrypts, all decrypt).
- A keyed hash (HMAC-SHA256, key derived from the field key) lets us find a person by ID number
  without decrypting every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: for names of vulnerable people in lists."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def age_band(birth_date: dt.date | None, today: dt.date | None = None) -> str:
    """A ten-year age band (60-69岁) for roles that see personal data masked.

    A full birth date beside a masked ID number (which hides exactly the 8 birth-date digits)
    would give the whole number back; a band of ten years leaves thousands of candidates."""
    if birth_date is None:
        return ""
    today = today or dt.date.today()
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if age < 0:
        return ""
    low = (age // 10) * 10
    return f"{low}-{low + 9}岁"


@lru_cache(maxsize=4)
def _fernet(keyspec: str) -> MultiFernet:
    keys = [k.strip() for k in keyspec.split(",") if k.strip()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(settings.YIWANG_FIELD_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.YIWANG_FIELD_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("无法解密个人信息：密钥不匹配 (YIWANG_FIELD_KEY)") from exc


def lookup_hash(value: str) -> str:
    """A keyed, deterministic hash of a normalised value, for exact-match lookup."""
    first_key = settings.YIWANG_FIELD_KEY.split(",")[0].strip().encode()
    hkey = hashlib.sha256(b"yiwang-lookup:" + first_key).digest()
    return hmac.new(hkey, value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python sees plain text. Not searchable: pair it with a
    `lookup_hash` column where exact lookup is needed."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class HashedEncryptedTextField(EncryptedTextField):
    """Encrypted text whose exact lookups still work: `hash_field` names a column of the same
    model that holds `lookup_hash(normalize(value))`, kept up to date on every save, and
    `filter(<field>=value)` compares that column instead of the (randomised) ciphertext.

    `normalizer` is the dotted path of a str -> str function applied before hashing (both when
    saving and when looking up), e.g. "yiwang.core.validators.normalize_phone"."""

    def __init__(self, *args, hash_field: str = "", normalizer: str = "", **kwargs):
        self.hash_field, self.normalizer = hash_field, normalizer
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["hash_field"], kwargs["normalizer"] = self.hash_field, self.normalizer
        return name, path, args, kwargs

    def hash_of(self, value) -> str:
        value = "" if value is None else str(value)
        if self.normalizer:
            from django.utils.module_loading import import_string

            value = import_string(self.normalizer)(value)
        return lookup_hash(value) if value.strip() else ""

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        setattr(model_instance, self.hash_field, self.hash_of(value))
        return value


class KeepsLookupHashes(models.Model):
    """A model with `HashedEncryptedTextField`s: `save(update_fields=[<field>])` writes the
    field's hash column too, so an exact lookup never reads a stale hash."""

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = set(update_fields)
            update_fields |= {
                f.hash_field
                for f in self._meta.concrete_fields
                if isinstance(f, HashedEncryptedTextField) and f.name in update_fields
            }
        super().save(*args, update_fields=update_fields, **kwargs)


@HashedEncryptedTextField.register_lookup
class HashedExact(models.lookups.Exact):
    """`field=value` on a HashedEncryptedTextField: the hash column equals the value's hash."""

    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs

    def as_sql(self, compiler, connection):
        from django.db.models.expressions import Col

        field = self.lhs.output_field
        hash_col = Col(self.lhs.alias, field.model._meta.get_field(field.hash_field))
        sql, params = compiler.compile(hash_col)
        return f"{sql} = %s", [*params, field.hash_of(self.rhs)]
