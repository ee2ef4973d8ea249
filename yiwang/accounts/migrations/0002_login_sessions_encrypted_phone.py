"""Sign-ins that expire and can be revoked (LoginSession); User.phone encrypted at rest."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import yiwang.core.pii

FERNET_PREFIX = "gAAAAA"


def encrypt_phones(apps, schema_editor):
    """Encrypt the phones stored in plain text before this migration (and hash them)."""
    from yiwang.core.pii import encrypt, lookup_hash
    from yiwang.core.validators import normalize_phone

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone FROM accounts_user WHERE phone <> ''")
        rows = cursor.fetchall()
        for pk, phone in rows:
            if phone.startswith(FERNET_PREFIX):
                continue
            normalized = normalize_phone(phone)
            cursor.execute(
                "UPDATE accounts_user SET phone = %s, phone_hash = %s WHERE id = %s",
                [encrypt(phone), lookup_hash(normalized) if normalized else "", pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_hash",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="电话索引"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=yiwang.core.pii.HashedEncryptedTextField(
                blank=True,
                hash_field="phone_hash",
                normalizer="yiwang.core.validators.normalize_phone",
                verbose_name="电话",
            ),
        ),
        migrations.RunPython(encrypt_phones, migrations.RunPython.noop, elidable=True),
        migrations.CreateModel(
            name="LoginSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("token", "API 令牌"), ("browser", "浏览器")],
                        max_length=10,
                        verbose_name="类型",
                    ),
                ),
                (
                    "key_digest",
                    models.CharField(
                        blank=True, db_index=True, max_length=64, verbose_name="令牌摘要"
                    ),
                ),
                ("key_prefix", models.CharField(blank=True, max_length=8, verbose_name="令牌前缀")),
                (
                    "session_key",
                    models.CharField(
                        blank=True, db_index=True, max_length=40, verbose_name="浏览器会话"
                    ),
                ),
                (
                    "auth_hash",
                    models.CharField(blank=True, max_length=128, verbose_name="签发时的密码指纹"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登录时间")),
                ("expires_at", models.DateTimeField(verbose_name="过期时间")),
                (
                    "last_used_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="最近使用"),
                ),
                (
                    "revoked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="注销时间"),
                ),
                (
                    "revoked_reason",
                    models.CharField(blank=True, max_length=30, verbose_name="注销原因"),
                ),
                ("user_agent", models.CharField(blank=True, max_length=200, verbose_name="客户端")),
                (
                    "ip_address",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IP 地址"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="login_sessions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="用户",
                    ),
                ),
            ],
            options={
                "verbose_name": "登录会话",
                "verbose_name_plural": "登录会话",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["user", "revoked_at"], name="loginsession_user_active")
                ],
            },
        ),
    ]
