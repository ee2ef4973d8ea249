from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"
    verbose_name = "系统管理"

    def ready(self):
        from yiwang.accounts import signals  # noqa: F401  (connects the receivers)
