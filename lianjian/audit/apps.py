from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lianjian.audit"
    label = "audit"
    verbose_name = "审计"
