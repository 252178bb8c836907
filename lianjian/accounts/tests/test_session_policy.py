"""The session policy middleware: idle timeout, forced logout, password expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lianjian.accounts import services
from lianjian.accounts.models import LoginEvent, UserSession
from lianjian.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = "/accounts/password/"  # any page for a signed-in user
LOGIN = "/accounts/login/"


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_idle_for_less_than_thirty_minutes_stays_signed_in(
    client, county_prosecutor, password, login_post, clock
):
    login_post(client, "prosecutor", password)
    for _ in range(3):
        clock.advance(minutes=29, seconds=59)
        assert client.get(PAGE).status_code == 200
    assert UserSession.objects.get().last_seen_at == clock.now
    assert _signed_in(client)


def test_idle_for_more_than_thirty_minutes_signs_out(client, county_prosecutor, password, login_post, clock):
    login_post(client, "prosecutor", password)
    key = client.session.session_key
    clock.advance(minutes=30, seconds=1)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Faccounts%2Fpassword%2F"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "您已超过 30 分钟未操作，已自动退出，请重新登录。"
    ]
    user_session = UserSession.objects.get()
    assert (user_session.ended_at, user_session.end_reason) == (clock.now, "IDLE_TIMEOUT")
    assert not Session.objects.filter(session_key=key).exists()
    assert LoginEvent.objects.order_by("-id").first().outcome == "IDLE_TIMEOUT"
    assert AuditEvent.objects.filter(action="accounts.session.timeout").count() == 1
    assert not _signed_in(client)
    assert client.get(PAGE).status_code == 302


def test_idle_timeout_follows_the_setting(client, county_prosecutor, password, login_post, clock, settings):
    settings.LIANJIAN_IDLE_TIMEOUT_MINUTES = 10
    login_post(client, "prosecutor", password)
    clock.advance(minutes=9)
    assert client.get(PAGE).status_code == 200
    clock.advance(minutes=10, seconds=1)
    assert client.get(PAGE).status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(client, county_prosecutor, password, login_post, clock):
    login_post(client, "prosecutor", password)
    started = clock.now
    clock.advance(seconds=30)
    client.get(PAGE)
    assert UserSession.objects.get().last_seen_at == started
    clock.advance(seconds=30)
    client.get(PAGE)
    assert UserSession.objects.get().last_seen_at == clock.now


def test_forced_logout_takes_effect_on_the_next_request(
    client, county_prosecutor, security_admin, password, login_post, clock
):
    login_post(client, "prosecutor", password)
    assert client.get(PAGE).status_code == 200
    user_session = UserSession.objects.get()
    services.session_force_end(actor=security_admin, user_session=user_session)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    user_session.refresh_from_db()
    assert (user_session.ended_at, user_session.end_reason) == (clock.now, "FORCED")
    assert LoginEvent.objects.order_by("-id").first().outcome == "FORCED_LOGOUT"
    audit = AuditEvent.objects.get(action="accounts.session.force_logout")
    assert audit.actor_id == security_admin.pk
    assert audit.after["end_reason"] == "FORCED"
    assert "session_key" not in audit.after


def test_ended_session_record_signs_out_even_if_the_session_survives(
    client, county_prosecutor, password, login_post, clock
):
    login_post(client, "prosecutor", password)
    UserSession.objects.update(ended_at=clock.now, end_reason="FORCED")  # e.g. a cache session engine
    response = client.get(PAGE)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "您的会话已被管理员强制下线，请重新登录。"
    ]
    assert not _signed_in(client)


def test_session_created_outside_the_login_page_gets_a_record(client, county_prosecutor, clock):
    client.force_login(county_prosecutor)
    assert client.get(PAGE).status_code == 200
    user_session = UserSession.objects.get()
    assert (user_session.user, user_session.started_at, user_session.ended_at) == (
        county_prosecutor,
        clock.now,
        None,
    )


def test_expired_password_redirects_to_the_change_page(
    client, county_prosecutor, password, login_post, clock, settings
):
    settings.LIANJIAN_PASSWORD_MAX_AGE_DAYS = 90
    county_prosecutor.password_changed_at = clock.now - timedelta(days=90, seconds=1)
    county_prosecutor.save()
    response = login_post(client, "prosecutor", password)
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["您的密码已过期，请修改密码后继续使用。"]
    assert client.get(reverse("org:staff_list")).status_code == 302
    assert client.get(PAGE).status_code == 200
    response = client.post(
        PAGE,
        {"old_password": password, "new_password": "Fresh#Pass26", "new_password_again": "Fresh#Pass26"},
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_password_within_max_age_is_not_redirected(
    client, county_prosecutor, password, login_post, clock, settings
):
    settings.LIANJIAN_PASSWORD_MAX_AGE_DAYS = 90
    county_prosecutor.password_changed_at = clock.now - timedelta(days=89)
    county_prosecutor.save()
    login_post(client, "prosecutor", password)
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_max_age_zero_never_expires(client, county_prosecutor, password, login_post, clock, settings):
    settings.LIANJIAN_PASSWORD_MAX_AGE_DAYS = 0
    county_prosecutor.password_changed_at = clock.now - timedelta(days=3650)
    county_prosecutor.save()
    login_post(client, "prosecutor", password)
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_must_change_password_allows_only_change_and_logout(client, county_prosecutor, password, login_post):
    county_prosecutor.must_change_password = True
    county_prosecutor.save()
    login_post(client, "prosecutor", password)
    response = client.get(reverse("dashboard:home"))
    assert response["Location"] == reverse("accounts:password_change")
    assert client.get(PAGE).status_code == 200
    assert client.post(reverse("accounts:logout"))["Location"] == LOGIN
    assert not _signed_in(client)
