"""Personal data (个人信息): masking for display, encryption at rest, keyed lookup hashes.

- Masking keeps the first 6 and last 4 characters of an ID number (the 8 birth-date digits are
  always hidden) and 3 + 4 digits of a phone (138****1234): common practice, no binding standard.
- Encryption: Fernet (AES-128-CBC + HMAC-SHA256) with the key(s) in YIWANG_FIELD_KEY; several
  comma-separated keys allow rotation (the first encrypts, all decrypt).
- A keyed hash (HMAC-SHA256, key derived from the field key) lets us find a person by ID number
  without decrypting every row.
"""

from __future__ import annotations

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
