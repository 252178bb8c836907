from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "lianjian.common"
    label = "common"
    verbose_name = "公共组件"
