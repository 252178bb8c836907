from django.urls import path

from lianjian.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff-changes/", views.staff_change_list, name="staff_change_list"),
    path("powers/", views.power_list, name="power_list"),
    path("powers/new/", views.power_rule_create_view, name="power_rule_create"),
    path("relations/", views.relation_list, name="relation_list"),
    path("relations/new/", views.relation_create_view, name="relation_create"),
    path("lawyers/", views.lawyer_list, name="lawyer_list"),
]
