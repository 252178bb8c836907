from django.urls import path

from lianjian.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/assignments/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/force-logout/", views.session_force_logout, name="session_force_logout"),
    path("login-log/", views.login_log, name="login_log"),
    path("api-tokens/", views.api_token_list, name="api_token_list"),
    path("api-tokens/new/", views.api_token_create, name="api_token_create"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
