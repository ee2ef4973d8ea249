from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "yiwang.economy"
    label = "economy"
    verbose_name = "经济发展"

    def ready(self):
        from yiwang.economy.hooks import enterprise_channel_refusal
        from yiwang.workorders.hooks import register_channel_guard
        from yiwang.workorders.models import WorkOrder

        register_channel_guard(WorkOrder.Channel.ENTERPRISE, enterprise_channel_refusal)
