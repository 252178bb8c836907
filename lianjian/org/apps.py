from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "lianjian.org"
    label = "org"
    verbose_name = "组织机构"
