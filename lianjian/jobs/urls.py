from django.urls import path

from lianjian.jobs import views

app_name = "jobs"

urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
]
