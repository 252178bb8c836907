from django.apps import AppConfig


class InterferenceConfig(AppConfig):
    name = "lianjian.interference"
    label = "interference"
    verbose_name = "“三个规定”记录报告"

    def ready(self) -> None:
        from lianjian.interference.kinds import register_all

        register_all()
