from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "yiwang.triage"
    label = "triage"
    verbose_name = "智能分拣"
