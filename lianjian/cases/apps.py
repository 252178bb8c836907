from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lianjian.cases"
    label = "cases"
    verbose_name = "案件"
