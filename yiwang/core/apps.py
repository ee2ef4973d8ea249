from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "基础内核"

    def ready(self):
        from yiwang.core import workdays
        from yiwang.core.models import CalendarDay, CalendarYear

        def invalidate(**kwargs):
            workdays.invalidate_cache()

        for model in (CalendarDay, CalendarYear):
            post_save.connect(invalidate, sender=model, dispatch_uid=f"cal-save-{model.__name__}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"cal-del-{model.__name__}")
