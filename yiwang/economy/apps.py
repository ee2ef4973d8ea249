from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "yiwang.economy"
    label = "economy"
    verbose_name = "经济发展"
