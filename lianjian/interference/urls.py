"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lianjian.interference import views_records

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
