from django.urls import path

from lianjian.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("webhooks/", views.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/enabled/", views.webhook_set_enabled, name="webhook_set_enabled"),
]
