from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "yiwang.triage"
    label = "triage"
    verbose_name = "智能分拣"

    def ready(self):
        # Workorders never imports triage: its order page shows what registered providers
        # return (workorders.links), and triage fills in the 疑似重复 hint.
        from yiwang.triage import duplicates, selectors, services
        from yiwang.triage import intake as classifier
        from yiwang.workorders import intake, links

        links.register(selectors.duplicate_links)
        intake.register(classifier=classifier, duplicates=duplicates, corrections=services)
