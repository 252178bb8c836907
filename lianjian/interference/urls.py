"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lianjian.interference import views_reports

app_name = "interference"

urlpatterns: list[URLPattern | URLResolver] = []

# Periodic reports (docs/interference/reports.md).
urlpatterns += [
    path("reports/mine/", views_reports.my_reports, name="my_reports"),
    path("reports/mine/submit/", views_reports.my_report_submit, name="my_report_submit"),
    path("reports/overview/", views_reports.report_overview, name="report_overview"),
    path("reports/overview/export/", views_reports.report_export, name="report_export"),
    path("reports/settings/", views_reports.report_settings, name="report_settings"),
]
