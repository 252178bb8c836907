from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "lianjian.ingest"
    label = "ingest"
    verbose_name = "数据导入"
