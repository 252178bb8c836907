from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "lianjian.risk"
    label = "risk"
    verbose_name = "廉政风险"
