from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "yiwang.integrations"
    label = "integrations"
    verbose_name = "业务对接（Open311、12345）"
