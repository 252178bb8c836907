from django.urls import path

from lianjian.ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("upload/", views.batch_upload, name="batch_upload"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/errors.xlsx", views.batch_errors_xlsx, name="batch_errors_xlsx"),
    path("<int:pk>/errors.csv", views.batch_errors_csv, name="batch_errors_csv"),
    path("template/<slug:kind>.xlsx", views.template_download, name="template_download"),
]
