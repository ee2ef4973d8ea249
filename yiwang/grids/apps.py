from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "yiwang.grids"
    label = "grids"
    verbose_name = "网格管理"
