from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import path

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm

app_name = "accounts"


def _todo(perm: Perm):  # type: ignore[no-untyped-def]
    return require_perm(perm)(lambda r: HttpResponse("建设中"))


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="shell/error.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", _todo(Perm.ORG_VIEW), name="password_change"),
    path("users/", _todo(Perm.USER_MANAGE), name="user_list"),
    path("grants/", _todo(Perm.ROLE_GRANT), name="grant_list"),
    path("sessions/", _todo(Perm.SESSION_MANAGE), name="session_list"),
    path("login-log/", _todo(Perm.LOGIN_LOG_VIEW), name="login_log"),
]
