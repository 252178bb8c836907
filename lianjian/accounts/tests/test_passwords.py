"""Password policy: length, character classes, no reuse of the last five, no user name."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianjian.accounts import services
from lianjian.accounts.models import PasswordHistory, User, UserSession
from lianjian.accounts.passwords import CompositionValidator, LengthValidator, character_classes
from lianjian.accounts.tests.factories import UserFactory
from lianjian.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return exc.value.messages


def test_too_short_password_is_refused(county_prosecutor, password):
    with pytest.raises(ValidationError) as exc:
        services.password_change(user=county_prosecutor, old_password=password, new_password="Ab1#xyz")
    assert _messages(exc) == ["密码至少 8 位"]


def test_two_character_classes_are_refused_three_accepted(county_prosecutor, password):
    with pytest.raises(ValidationError) as exc:
        services.password_change(user=county_prosecutor, old_password=password, new_password="abcdefgh12")
    assert _messages(exc) == ["密码须包含大写字母、小写字母、数字、特殊符号中的至少 3 类"]
    services.password_change(user=county_prosecutor, old_password=password, new_password="abcdefgh12!")
    assert county_prosecutor.check_password("abcdefgh12!")


def test_character_classes_are_counted():
    assert character_classes("abcdefgh") == 1
    assert character_classes("ABCdef") == 2
    assert character_classes("ABCdef12") == 3
    assert character_classes("ABCdef12！") == 4
    assert character_classes("中文密码很长很长") == 1
    assert LengthValidator(12).get_help_text() == "密码至少 12 位"
    assert CompositionValidator(4).get_help_text() == "须包含大写字母、小写字母、数字、特殊符号中的至少 4 类"


def test_password_containing_the_username_is_refused(county_prosecutor, password):
    with pytest.raises(ValidationError) as exc:
        services.password_change(user=county_prosecutor, old_password=password, new_password="Prosecutor#1")
    assert _messages(exc) == ["密码不能包含用户名"]


def test_reuse_of_the_last_five_is_refused_and_the_sixth_allowed(county_prosecutor, password):
    user = county_prosecutor
    history = [f"Cycle#{n}Pass" for n in range(1, 6)]
    current = password
    for new in history:
        services.password_change(user=user, old_password=current, new_password=new)
        current = new
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for reused in history:  # the current one and the four before it
        with pytest.raises(ValidationError) as exc:
            services.password_change(user=user, old_password=current, new_password=reused)
        assert _messages(exc) == ["新密码不能与当前密码或最近 5 次使用过的密码相同"]
    # The password before those five (the sixth back) may be used again.
    services.password_change(user=user, old_password=current, new_password=password)
    user.refresh_from_db()
    assert user.check_password(password)
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_history_counts_the_initial_password_of_a_created_user(org):
    user = services.user_create(
        actor=None, username="newbie", display_name="新人", password="First#Pass1", must_change=True
    )
    assert user.must_change_password is True
    with pytest.raises(ValidationError):
        services.password_change(user=user, old_password="First#Pass1", new_password="First#Pass1")
    services.password_change(user=user, old_password="First#Pass1", new_password="Second#Pass2")
    user.refresh_from_db()
    assert user.must_change_password is False


def test_wrong_old_password_changes_nothing(county_prosecutor, password, clock):
    before_hash = county_prosecutor.password
    with pytest.raises(ValidationError) as exc:
        services.password_change(
            user=county_prosecutor, old_password="Wrong#Pass1", new_password="Good#Pass123"
        )
    assert exc.value.message_dict == {"old_password": ["原密码不正确"]}
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.password == before_hash
    assert PasswordHistory.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_password_change_sets_time_and_audits_without_the_password(county_prosecutor, password, clock):
    services.password_change(user=county_prosecutor, old_password=password, new_password="Good#Pass123")
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.password_changed_at == clock.now
    audit = AuditEvent.objects.get()
    assert audit.action == "accounts.user.password_change"
    assert audit.actor_id == county_prosecutor.pk
    assert audit.after == {"password_changed_at": str(clock.now), "must_change_password": False}
    dumped = json.dumps([audit.before, audit.after, audit.target_repr], ensure_ascii=False)
    assert "Good#Pass123" not in dumped
    assert county_prosecutor.password not in dumped


def test_admin_reset_requires_change_ends_sessions_and_hides_the_password(
    client, system_admin, county_prosecutor, password, login_post, clock
):
    login_post(client, "prosecutor", password)
    services.password_set(actor=system_admin, user=county_prosecutor, new_password="Reset#Pass99")
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.must_change_password is True
    assert county_prosecutor.check_password("Reset#Pass99")
    assert UserSession.objects.get().end_reason == "FORCED"
    assert client.get(reverse("dashboard:home")).status_code == 302
    audit = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert audit.actor_id == system_admin.pk
    dumped = json.dumps([audit.before, audit.after], ensure_ascii=False)
    assert "Reset#Pass99" not in dumped
    assert county_prosecutor.password not in dumped


def test_reset_by_a_user_without_user_manage_is_refused(security_admin, county_prosecutor):
    before_hash = county_prosecutor.password
    with pytest.raises(Exception, match="您没有权限执行此操作"):
        services.password_set(actor=security_admin, user=county_prosecutor, new_password="Reset#Pass99")
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.password == before_hash
    assert AuditEvent.objects.count() == 0


def test_password_change_page_keeps_the_user_signed_in(client, county_prosecutor, password, login_post):
    login_post(client, "prosecutor", password)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password": "Good#Pass123", "new_password_again": "Good#Pass123"},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert User.objects.get(pk=county_prosecutor.pk).check_password("Good#Pass123")


def test_password_change_page_shows_policy_errors_in_chinese(client, county_prosecutor, password, login_post):
    login_post(client, "prosecutor", password)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password": "short", "new_password_again": "short"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "密码至少 8 位" in body
    assert "密码须包含大写字母、小写字母、数字、特殊符号中的至少 3 类" in body
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password": "Good#Pass123", "new_password_again": "Other#Pass123"},
    )
    assert "两次输入的新密码不一致" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.user.password_change").count() == 0


def test_user_factory_users_without_history_are_checked_against_current(org):
    user = UserFactory(username="plain")
    with pytest.raises(ValidationError) as exc:
        services.password_change(user=user, old_password="Lianjian#2026", new_password="Lianjian#2026")
    assert _messages(exc) == ["新密码不能与当前密码或最近 5 次使用过的密码相同"]
