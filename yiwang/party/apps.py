from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "yiwang.party"
    label = "party"
    verbose_name = "党建引领"
