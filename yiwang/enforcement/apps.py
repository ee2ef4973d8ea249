from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "yiwang.enforcement"
    label = "enforcement"
    verbose_name = "综合执法"

    def ready(self):
        from yiwang.enforcement import selectors
        from yiwang.workorders import links

        links.register(selectors.work_order_links)
