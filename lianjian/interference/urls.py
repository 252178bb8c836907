"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lianjian.interference import views_clues, views_stats

app_name = "interference"

urlpatterns: list[URLPattern | URLResolver] = []

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
