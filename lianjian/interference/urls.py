"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lianjian.interference import views_clues, views_records, views_reports, views_stats

app_name = "interference"

urlpatterns: list[URLPattern | URLResolver] = [
    # Recording and reading (docs/interference/recording.md).
    path("records/new/", views_records.record_create_view, name="record_create"),
    path("records/mine/", views_records.record_mine, name="record_mine"),
    path("records/search/", views_records.record_list, name="record_list"),
    path("records/<str:no>/", views_records.record_detail, name="record_detail"),
    path("records/<str:no>/correct/", views_records.record_correct_view, name="record_correct"),
    path(
        "records/<str:no>/attachments/<int:pk>/",
        views_records.record_attachment,
        name="record_attachment",
    ),
    path("read-requests/", views_records.read_requests, name="read_requests"),
    path("read-requests/new/", views_records.read_request_create_view, name="read_request_create"),
    path(
        "read-requests/<int:pk>/decide/",
        views_records.read_request_decide_view,
        name="read_request_decide",
    ),
    path(
        "read-requests/<int:pk>/withdraw/",
        views_records.read_request_withdraw_view,
        name="read_request_withdraw",
    ),
]

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
