from django.urls import path

from lianjian.risk import case_views, disposal_views, views

app_name = "risk"
urlpatterns = [
    path("points/", views.point_list, name="point_list"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/import/", views.point_import, name="point_import"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("points/<int:pk>/revise/", views.point_revise, name="point_revise"),
    path("points/<int:pk>/retire/", views.point_retire, name="point_retire"),
    path("rules/", views.rule_list, name="rule_list"),
    path("feedback/", disposal_views.rule_feedback, name="rule_feedback"),
    path("rules/<str:code>/", views.rule_detail, name="rule_detail"),
    path("rules/<str:code>/edit/", views.rule_change_view, name="rule_change"),
    path("rules/<str:code>/backtest/", views.rule_backtest, name="rule_backtest"),
    path("rules/<str:code>/override/", views.rule_override_view, name="rule_override"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/steps/<str:step>/", disposal_views.alert_step, name="alert_step"),
    path(
        "alerts/<int:pk>/attachments/<int:attachment_pk>/",
        disposal_views.alert_attachment,
        name="alert_attachment",
    ),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/<str:case_no>/", case_views.case_detail, name="case_detail"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.scan_start, name="scan_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
