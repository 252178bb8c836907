from django.urls import path

from lianjian.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("departments/", views.department_list, name="department_list"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff-changes/", views.staff_change_list, name="staff_change_list"),
    path("powers/", views.power_list, name="power_list"),
    path("relations/", views.relation_list, name="relation_list"),
    path("lawyers/", views.lawyer_list, name="lawyer_list"),
]
