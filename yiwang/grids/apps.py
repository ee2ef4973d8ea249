from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "yiwang.grids"
    label = "grids"
    verbose_name = "网格管理"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from yiwang.grids.locate import invalidate
        from yiwang.grids.models import Region

        # The point → grid index is a cache: any change to a region marks it stale.
        post_save.connect(invalidate, sender=Region, dispatch_uid="grids-index-save")
        post_delete.connect(invalidate, sender=Region, dispatch_uid="grids-index-delete")
