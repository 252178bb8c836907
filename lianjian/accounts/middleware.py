"""Session policy on every request: idle timeout, sessions ended elsewhere, password expiry.

Runs in ``process_view`` (after every middleware's request phase, so messages can be added, and
with the URL already resolved, so pages are recognised by URL name, not by matching the path).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.choices import SessionEndReason
from lianjian.accounts.services import session_touch
from lianjian.audit.middleware import request_ip

# Pages a user whose password must be changed may still open.
PASSWORD_CHANGE_ALLOWED = frozenset({"accounts:password_change", "accounts:logout", "accounts:login"})

END_MESSAGES: dict[str, str] = {
    SessionEndReason.IDLE_TIMEOUT: "您已超过 {minutes} 分钟未操作，已自动退出，请重新登录。",
    SessionEndReason.FORCED: "您的会话已被管理员强制下线，请重新登录。",
    SessionEndReason.DISPLACED: "您的账号已在其他地方登录，本会话已结束。",
    SessionEndReason.LOGOUT: "您已退出，请重新登录。",
}


def password_expired(user: Any) -> bool:
    """Whether ``user`` must change the password before doing anything else."""
    if user.must_change_password:
        return True
    max_age: int = settings.LIANJIAN_PASSWORD_MAX_AGE_DAYS
    if max_age <= 0:
        return False
    changed = user.password_changed_at or user.created_at
    return bool(changed and timezone.now() - changed > timedelta(days=max_age))


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session_key = request.session.session_key
        if session_key:
            ended = session_touch(
                user=user,
                session_key=session_key,
                ip=request_ip(request),
                user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:300],
            )
            if ended:
                return self._signed_out(request, ended)
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name not in PASSWORD_CHANGE_ALLOWED and password_expired(user):
            if user.must_change_password:
                messages.warning(request, "为保障账号安全，请先修改密码。")
            else:
                messages.warning(request, "您的密码已过期，请修改密码后继续使用。")
            return redirect("accounts:password_change")
        return None

    def _signed_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        logout(request)
        text = END_MESSAGES.get(reason, END_MESSAGES[SessionEndReason.FORCED])
        messages.warning(request, text.format(minutes=settings.LIANJIAN_IDLE_TIMEOUT_MINUTES))
        url = reverse("accounts:login")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
