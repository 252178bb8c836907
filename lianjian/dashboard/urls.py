from django.urls import path

from lianjian.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/units/<str:code>/", views.unit_drill, name="unit"),
    path("dashboard/departments/<int:pk>/", views.department_drill, name="department"),
    path("dashboard/people/<int:pk>/", views.person_drill, name="person"),
]
