from django.apps import AppConfig


class BasedataConfig(AppConfig):
    name = "yiwang.basedata"
    label = "basedata"
    verbose_name = "基础数据（人口·房屋·法人）"
