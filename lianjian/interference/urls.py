"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lianjian.interference import views_clues, views_reports, views_stats

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

# Statistics, reports (F5.6) and clue handling (F5.4).
urlpatterns += [
    path("stats/", views_stats.stats, name="stats"),
    path("stats/report/", views_stats.stats_report, name="stats_report"),
    path("clues/", views_clues.clue_list, name="clue_list"),
    path("clues/new/", views_clues.clue_new, name="clue_new"),
    path("clues/<int:pk>/", views_clues.clue_detail, name="clue_detail"),
    path("clues/<int:pk>/action/", views_clues.clue_action, name="clue_action"),
    path("clues/<int:pk>/notice/", views_clues.clue_notice, name="clue_notice"),
]
