"""Sign-in: lockout, the login log, session rotation, the concurrent-session limit, sign-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import LoginEvent, UserSession
from lianjian.accounts.tests.conftest import IP, UA
from lianjian.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _error(response: Any) -> str:
    return response.context["error"]


def test_login_page_is_a_chinese_login_card(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="lj-login"' in body
    assert "csrfmiddlewaretoken" in body
    assert "登 录" in body


def test_login_post_without_csrf_token_is_refused(county_prosecutor, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "prosecutor", "password": password})
    assert response.status_code == 403
    assert LoginEvent.objects.count() == 0


def test_right_password_signs_in_and_logs_success_with_ip_and_user_agent(
    client, county_prosecutor, password, login_post, clock
):
    response = login_post(client, "prosecutor", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.session["_auth_user_id"] == str(county_prosecutor.pk)
    event = LoginEvent.objects.get()
    assert (event.username, event.user, event.outcome) == ("prosecutor", county_prosecutor, "SUCCESS")
    assert (event.ip, event.user_agent, event.occurred_at) == (IP, UA, clock.now)
    user_session = UserSession.objects.get()
    assert user_session.session_key == client.session.session_key
    assert (user_session.ip, user_session.user_agent, user_session.ended_at) == (IP, UA, None)
    audit = AuditEvent.objects.get(action="accounts.session.login")
    assert audit.actor_id == county_prosecutor.pk
    assert audit.ip == IP
    assert audit.after == {"session": user_session.pk, "ip": IP, "user_agent": UA, "displaced": []}


def test_wrong_password_is_logged_as_failure_with_ip_and_user_agent(
    client, county_prosecutor, login_post, clock
):
    response = login_post(client, "prosecutor", "Wrong#Pass1", ip="10.9.9.9", ua="curl/8")
    assert response.status_code == 200
    assert _error(response) == "用户名或密码错误"
    assert "_auth_user_id" not in client.session
    event = LoginEvent.objects.get()
    assert (event.username, event.user, event.outcome) == ("prosecutor", county_prosecutor, "BAD_CREDENTIALS")
    assert (event.ip, event.user_agent, event.occurred_at) == ("10.9.9.9", "curl/8", clock.now)
    assert UserSession.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_unknown_username_gets_the_same_message_as_a_wrong_password(client, org, login_post):
    response = login_post(client, "nobody", "Wrong#Pass1")
    assert _error(response) == "用户名或密码错误"
    event = LoginEvent.objects.get()
    assert (event.username, event.user, event.outcome) == ("nobody", None, "BAD_CREDENTIALS")


def test_five_failures_in_fifteen_minutes_lock_even_the_right_password(
    client, county_prosecutor, password, login_post, clock
):
    for _ in range(5):
        assert _error(login_post(client, "prosecutor", "Wrong#Pass1")) == "用户名或密码错误"
        clock.advance(minutes=1)
    # Five minutes after the first failure: the lock ends 15 minutes after it, 10 minutes from now.
    response = login_post(client, "prosecutor", password)
    assert _error(response) == "账号已锁定，请 10 分钟后再试"
    assert "_auth_user_id" not in client.session
    assert list(LoginEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "BAD_CREDENTIALS"
    ] * 5 + ["LOCKED"]
    assert UserSession.objects.count() == 0


def test_lockout_of_an_unknown_username_looks_the_same(client, org, login_post):
    for _ in range(5):
        login_post(client, "nobody", "Wrong#Pass1")
    assert _error(login_post(client, "nobody", "Wrong#Pass1")) == "账号已锁定，请 15 分钟后再试"


def test_lock_lifts_once_the_window_has_passed(client, county_prosecutor, password, login_post, clock):
    for _ in range(5):
        login_post(client, "prosecutor", "Wrong#Pass1")
    clock.advance(minutes=14, seconds=59)
    assert _error(login_post(client, "prosecutor", password)) == "账号已锁定，请 1 分钟后再试"
    clock.advance(seconds=2)
    response = login_post(client, "prosecutor", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(county_prosecutor.pk)


def test_failures_outside_the_window_do_not_count(client, county_prosecutor, password, login_post, clock):
    for _ in range(4):
        login_post(client, "prosecutor", "Wrong#Pass1")
    clock.advance(minutes=16)
    login_post(client, "prosecutor", "Wrong#Pass1")
    response = login_post(client, "prosecutor", password)
    assert response.status_code == 302
    assert LoginEvent.objects.filter(outcome="LOCKED").count() == 0


def test_a_successful_login_ends_the_run_of_failures(client, county_prosecutor, password, login_post, clock):
    for _ in range(4):
        login_post(client, "prosecutor", "Wrong#Pass1")
    assert login_post(client, "prosecutor", password).status_code == 302
    other = Client()
    login_post(other, "prosecutor", "Wrong#Pass1")
    assert login_post(other, "prosecutor", password).status_code == 302


def test_lockout_threshold_and_window_follow_settings(
    client, county_prosecutor, password, login_post, clock, settings
):
    settings.LIANJIAN_LOCKOUT_FAILURES = 3
    settings.LIANJIAN_LOCKOUT_WINDOW_MINUTES = 5
    for _ in range(3):
        login_post(client, "prosecutor", "Wrong#Pass1")
    assert _error(login_post(client, "prosecutor", password)) == "账号已锁定，请 5 分钟后再试"
    clock.advance(minutes=5, seconds=1)
    assert login_post(client, "prosecutor", password).status_code == 302


def test_inactive_account_is_refused_and_logged(client, county_prosecutor, password, login_post):
    county_prosecutor.is_active = False
    county_prosecutor.save()
    response = login_post(client, "prosecutor", password)
    assert _error(response) == "账号已停用，请联系系统管理员"
    assert LoginEvent.objects.get().outcome == "INACTIVE"
    assert "_auth_user_id" not in client.session


def test_login_rotates_the_session_key(client, county_prosecutor, password, login_post):
    session = client.session
    session["before_login"] = "yes"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    assert login_post(client, "prosecutor", password).status_code == 302
    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get().session_key == after


def test_login_redirects_to_a_safe_next_only(client, county_prosecutor, password):
    response = client.post(
        LOGIN + "?next=/accounts/password/", {"username": "prosecutor", "password": password}
    )
    assert response["Location"] == "/accounts/password/"
    other = Client()
    response = other.post(
        LOGIN + "?next=https://evil.example/", {"username": "prosecutor", "password": password}
    )
    assert response["Location"] == reverse("dashboard:home")


def test_third_session_ends_the_oldest(county_prosecutor, password, login_post, clock, settings):
    settings.LIANJIAN_MAX_SESSIONS_PER_USER = 2
    clients = [Client(), Client(), Client()]
    for c in clients:
        assert login_post(c, "prosecutor", password).status_code == 302
        clock.advance(seconds=10)
    sessions = list(UserSession.objects.order_by("started_at"))
    assert [s.end_reason for s in sessions] == ["DISPLACED", "", ""]
    assert sessions[0].ended_at == clock.now - timedelta(seconds=10)
    assert not Session.objects.filter(session_key=sessions[0].session_key).exists()
    # The displaced browser is signed out on its next request; the two newest go on.
    response = clients[0].get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert clients[1].get(reverse("accounts:password_change")).status_code == 200
    assert clients[2].get(reverse("accounts:password_change")).status_code == 200
    login_audit = AuditEvent.objects.filter(action="accounts.session.login").order_by("seq").last()
    assert login_audit is not None
    assert login_audit.after["displaced"] == [sessions[0].pk]


def test_logout_ends_the_session_logs_and_audits_it(client, county_prosecutor, password, login_post, clock):
    login_post(client, "prosecutor", password)
    key = client.session.session_key
    clock.advance(minutes=3)
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR=IP, HTTP_USER_AGENT=UA)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    user_session = UserSession.objects.get()
    assert (user_session.ended_at, user_session.end_reason) == (clock.now, "LOGOUT")
    assert not Session.objects.filter(session_key=key).exists()
    assert list(LoginEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["SUCCESS", "LOGOUT"]
    audit = AuditEvent.objects.get(action="accounts.session.logout")
    assert audit.actor_id == county_prosecutor.pk
    assert audit.after == {"session": user_session.pk, "ip": IP}
    assert client.get(reverse("accounts:password_change")).status_code == 302


def test_logout_by_get_is_not_allowed(client, county_prosecutor, password, login_post):
    login_post(client, "prosecutor", password)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert UserSession.objects.get().ended_at is None


def test_signing_in_over_another_session_ends_its_record(
    client, county_prosecutor, department_head, password, login_post
):
    login_post(client, "prosecutor", password)
    login_post(client, "head", password)
    assert list(UserSession.objects.order_by("pk").values_list("user__username", "end_reason")) == [
        ("prosecutor", "LOGOUT"),
        ("head", ""),
    ]
    assert client.session["_auth_user_id"] == str(department_head.pk)
