"""The accounts pages: who may open what (三员分立), scope on lists and object pages, the flows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.models import LoginEvent, RoleAssignment, User, UserSession
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["accounts:user_list", "accounts:grant_list", "accounts:session_list", "accounts:login_log"]


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _status(user: User, url_name: str, *args: Any) -> int:
    return _client_for(user).get(reverse(url_name, args=args)).status_code


def _rows(response: Any) -> list[list[str]]:
    return [[cell["text"] for cell in row] for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("system_admin", {"accounts:user_list"}),
        ("security_admin", {"accounts:grant_list", "accounts:session_list"}),
        ("audit_admin", {"accounts:login_log"}),
        ("county_prosecutor", set()),
        ("city_supervisor", set()),
    ],
)
def test_admin_pages_open_only_to_their_administrator(request, persona, allowed):
    user = request.getfixturevalue(persona)
    statuses = {name: _status(user, name) for name in ADMIN_PAGES}
    assert statuses == {name: 200 if name in allowed else 403 for name in ADMIN_PAGES}


def test_system_admin_reads_neither_business_pages_nor_the_audit_log(system_admin):
    assert _status(system_admin, "org:staff_list") == 403
    assert _status(system_admin, "org:unit_list") == 403
    assert _status(system_admin, "audit:event_list") == 403


def test_audit_admin_opens_the_login_log_but_not_users(audit_admin):
    assert _status(audit_admin, "accounts:login_log") == 200
    assert _status(audit_admin, "accounts:user_list") == 403
    assert _status(audit_admin, "accounts:user_create") == 403
    assert _status(audit_admin, "org:staff_list") == 403


def test_anonymous_is_sent_to_the_login_page(client, org):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/users/"


# --- users --------------------------------------------------------------------------------


def test_user_list_searches_and_filters(system_admin, county_prosecutor, department_head):
    department_head.is_active = False
    department_head.save()
    client = _client_for(system_admin)
    response = client.get(reverse("accounts:user_list"), {"q": "pros"})
    assert [row[0] for row in _rows(response)] == ["prosecutor"]
    response = client.get(reverse("accounts:user_list"), {"active": "0"})
    assert [row[0] for row in _rows(response)] == ["head"]


def test_city_system_admin_sees_only_city_users(org, county_prosecutor, outsider, system_admin):
    city_admin = UserFactory(username="city_sys")
    grant(city_admin, "SYSTEM_ADMIN", "UNIT_AND_BELOW", unit=org.city)
    response = _client_for(city_admin).get(reverse("accounts:user_list"))
    assert [row[0] for row in _rows(response)] == ["prosecutor"]
    assert _status(city_admin, "accounts:user_detail", outsider.pk) == 404
    assert _status(city_admin, "accounts:user_detail", system_admin.pk) == 404
    assert _status(city_admin, "accounts:user_detail", 999_999) == 404


def test_system_admin_creates_a_user_linked_by_staff_number(system_admin, org):
    staff = StaffFactory(staff_no="N900", name="新同事", department=org.criminal)
    response = _client_for(system_admin).post(
        reverse("accounts:user_create"),
        {
            "username": "newcomer",
            "display_name": "新同事",
            "staff_no": "N900",
            "email": " xintongshi@jcy.intranet ",
            "new_password": "Start#Pass26",
            "new_password_again": "Start#Pass26",
            "must_change": "on",
        },
    )
    user = User.objects.get(username="newcomer")
    assert user.email == "xintongshi@jcy.intranet"
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert (user.staff, user.must_change_password, user.check_password("Start#Pass26")) == (staff, True, True)
    audit = AuditEvent.objects.get(action="accounts.user.create")
    assert audit.after == {
        "username": "newcomer",
        "display_name": "新同事",
        "email": "xintongshi@jcy.intranet",
        "staff": "N900",
        "is_active": True,
        "must_change_password": True,
    }


def _create_form(staff_no: str, username: str = "newcomer") -> dict[str, str]:
    return {
        "username": username,
        "display_name": "新同事",
        "staff_no": staff_no,
        "new_password": "Start#Pass26",
        "new_password_again": "Start#Pass26",
    }


def test_user_create_refuses_staff_outside_scope_unknown_or_taken(org, county_prosecutor):
    city_admin = UserFactory(username="city_sys")
    grant(city_admin, "SYSTEM_ADMIN", "UNIT_AND_BELOW", unit=org.city)
    client = _client_for(city_admin)
    users = User.objects.count()
    for staff_no in ("C300", "NOPE"):  # another city's 工号, and one that does not exist: same answer
        response = client.post(reverse("accounts:user_create"), _create_form(staff_no))
        assert response.status_code == 200
        assert response.context["form"].errors == {"staff_no": ["工号不存在或不在您的管理范围内"]}
    response = client.post(reverse("accounts:user_create"), _create_form("A100"))
    assert response.context["form"].errors == {"staff_no": ["该人员已有账号"]}
    response = client.post(reverse("accounts:user_create"), _create_form("", username="prosecutor"))
    assert response.context["form"].errors == {"username": ["用户名已存在"]}
    response = client.post(reverse("accounts:user_create"), {**_create_form(""), "email": "不是邮箱"})
    assert response.context["form"].errors == {"email": ["电子邮箱格式不正确"]}
    response = client.post(reverse("accounts:user_create"), {**_create_form(""), "new_password": "weak"})
    assert response.context["form"].errors == {"new_password_again": ["两次输入的新密码不一致"]}
    weak = {**_create_form(""), "new_password": "weakpass1", "new_password_again": "weakpass1"}
    response = client.post(reverse("accounts:user_create"), weak)
    assert response.context["form"].errors == {
        "new_password": ["密码须包含大写字母、小写字母、数字、特殊符号中的至少 3 类"]
    }
    assert User.objects.count() == users
    assert AuditEvent.objects.count() == 0


def test_deactivating_a_user_ends_their_sessions(system_admin, county_prosecutor, password, login_post):
    user_client = Client()
    login_post(user_client, "prosecutor", password)
    response = _client_for(system_admin).post(
        reverse("accounts:user_set_active", args=[county_prosecutor.pk]), {"is_active": "0"}
    )
    assert response.status_code == 302
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.is_active is False
    assert UserSession.objects.get(user=county_prosecutor).end_reason == "FORCED"
    assert user_client.get(reverse("dashboard:home")).status_code == 302
    audit = AuditEvent.objects.get(action="accounts.user.deactivate")
    assert (audit.before["is_active"], audit.after["is_active"]) == (True, False)
    _client_for(system_admin).post(
        reverse("accounts:user_set_active", args=[county_prosecutor.pk]), {"is_active": "1"}
    )
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.is_active is True


def test_system_admin_cannot_deactivate_themselves(system_admin):
    client = _client_for(system_admin)
    response = client.post(reverse("accounts:user_set_active", args=[system_admin.pk]), {"is_active": "0"})
    assert response.status_code == 302
    system_admin.refresh_from_db()
    assert system_admin.is_active is True
    assert AuditEvent.objects.count() == 0


def test_user_changes_by_get_are_not_allowed(system_admin, county_prosecutor):
    client = _client_for(system_admin)
    assert client.get(reverse("accounts:user_set_active", args=[county_prosecutor.pk])).status_code == 405
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.is_active is True


def test_system_admin_resets_a_password_through_the_page(system_admin, county_prosecutor):
    response = _client_for(system_admin).post(
        reverse("accounts:user_password_reset", args=[county_prosecutor.pk]),
        {"new_password": "Reset#Pass26", "new_password_again": "Reset#Pass26", "must_change": "on"},
    )
    assert response.status_code == 302
    county_prosecutor.refresh_from_db()
    assert county_prosecutor.check_password("Reset#Pass26")
    assert county_prosecutor.must_change_password is True


def test_out_of_scope_user_pages_are_404_and_change_nothing(org, outsider):
    city_admin = UserFactory(username="city_sys")
    grant(city_admin, "SYSTEM_ADMIN", "UNIT_AND_BELOW", unit=org.city)
    client = _client_for(city_admin)
    before = outsider.password
    assert (
        client.post(reverse("accounts:user_set_active", args=[outsider.pk]), {"is_active": "0"}).status_code
        == 404
    )
    response = client.post(
        reverse("accounts:user_password_reset", args=[outsider.pk]),
        {"new_password": "Reset#Pass26", "new_password_again": "Reset#Pass26"},
    )
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert (outsider.is_active, outsider.password) == (True, before)
    assert AuditEvent.objects.count() == 0


# --- grants -------------------------------------------------------------------------------


def test_security_admin_sees_only_users_of_its_city(
    security_admin, county_prosecutor, city_supervisor, outsider
):
    response = _client_for(security_admin).get(reverse("accounts:grant_list"))
    assert sorted(row[0] for row in _rows(response)) == ["city_inspector", "prosecutor"]
    assert _rows(response)[1][4] == "承办检察官·本人（兰州市城关区人民检察院）"
    assert _status(security_admin, "accounts:grant_detail", outsider.pk) == 404
    assert _status(security_admin, "accounts:grant_detail", county_prosecutor.pk) == 200


def test_grant_and_revoke_through_the_page(security_admin, county_prosecutor, org):
    client = _client_for(security_admin)
    url = reverse("accounts:grant_detail", args=[county_prosecutor.pk])
    response = client.post(url, {"role": "DISCIPLINE", "scope": "UNIT", "unit": org.county.pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=county_prosecutor, role="DISCIPLINE")
    response = client.post(reverse("accounts:grant_revoke", args=[assignment.pk]))
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "accounts.role.grant",
        "accounts.role.revoke",
    ]


def test_grant_page_shows_the_refusal_and_writes_nothing(security_admin, county_prosecutor, org):
    client = _client_for(security_admin)
    url = reverse("accounts:grant_detail", args=[county_prosecutor.pk])
    response = client.post(url, {"role": "AUDIT_ADMIN", "scope": "UNIT", "unit": org.county.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "三员分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色授予同一用户"
    ]
    # A unit outside the grantor's scope is not even a valid choice.
    response = client.post(url, {"role": "LEADER", "scope": "UNIT", "unit": org.other_county.pk})
    assert "unit" in response.context["form"].errors
    assert RoleAssignment.objects.filter(user=county_prosecutor).count() == 1
    assert AuditEvent.objects.count() == 0


def test_revoke_outside_scope_is_404(security_admin, outsider):
    assignment = outsider.roles.get()
    response = _client_for(security_admin).post(reverse("accounts:grant_revoke", args=[assignment.pk]))
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.count() == 0


# --- sessions -----------------------------------------------------------------------------


def test_session_list_shows_live_sessions_in_scope_and_forces_logout(
    security_admin, county_prosecutor, outsider, password, login_post
):
    prosecutor_client, outsider_client = Client(), Client()
    login_post(prosecutor_client, "prosecutor", password)
    login_post(outsider_client, "outsider", password)
    admin = _client_for(security_admin)
    response = admin.get(reverse("accounts:session_list"))
    assert [row[0] for row in _rows(response)] == ["prosecutor"]
    own = UserSession.objects.get(user=county_prosecutor)
    other = UserSession.objects.get(user=outsider)
    assert admin.get(reverse("accounts:session_force_logout", args=[own.pk])).status_code == 200
    assert admin.post(reverse("accounts:session_force_logout", args=[other.pk])).status_code == 404
    response = admin.post(reverse("accounts:session_force_logout", args=[own.pk]))
    assert response.status_code == 302
    assert prosecutor_client.get(reverse("dashboard:home")).status_code == 302
    assert outsider_client.get(reverse("dashboard:home")).status_code == 200
    other.refresh_from_db()
    assert other.ended_at is None
    assert AuditEvent.objects.filter(action="accounts.session.force_logout").count() == 1


# --- login log ----------------------------------------------------------------------------


def test_login_log_search_and_export(audit_admin, county_prosecutor, password, login_post, clock):
    client = Client()
    login_post(client, "prosecutor", "Wrong#Pass1")
    login_post(client, "prosecutor", password)
    login_post(Client(), "ghost", "Wrong#Pass1")
    admin = _client_for(audit_admin)
    response = admin.get(
        reverse("accounts:login_log"), {"username": "prosecutor", "outcome": "BAD_CREDENTIALS"}
    )
    rows = _rows(response)
    assert [(row[1], row[3], row[4]) for row in rows] == [("prosecutor", "用户名或密码错误", "10.20.30.40")]
    response = admin.get(reverse("accounts:login_log"))
    assert {row[1] for row in _rows(response)} == {"prosecutor", "ghost"}
    today = timezone.localdate(clock.now).isoformat()  # the form takes local (Beijing) dates
    response = admin.get(reverse("accounts:login_log"), {"date_from": today, "date_to": today})
    assert len(_rows(response)) == 3
    response = admin.get(reverse("accounts:login_log"), {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert _rows(response) == []
    response = admin.get(reverse("accounts:login_log"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="accounts.login_log.export", actor_id=audit_admin.pk).count() == 1


def test_login_log_of_a_city_scoped_auditor_excludes_other_cities_and_unknown_names(
    org, county_prosecutor, outsider, password, login_post
):
    city_auditor = UserFactory(username="city_audit")
    grant(city_auditor, "AUDIT_ADMIN", "UNIT_AND_BELOW", unit=org.city)
    login_post(Client(), "prosecutor", password)
    login_post(Client(), "outsider", password)
    login_post(Client(), "ghost", "Wrong#Pass1")
    response = _client_for(city_auditor).get(reverse("accounts:login_log"))
    assert [row[1] for row in _rows(response)] == ["prosecutor"]
    assert LoginEvent.objects.count() == 3


# --- pages render, query budgets ------------------------------------------------------------


def test_forms_render_with_csrf_and_chinese_labels(system_admin, security_admin, county_prosecutor):
    admin = _client_for(system_admin)
    for url in (
        reverse("accounts:user_create"),
        reverse("accounts:user_password_reset", args=[county_prosecutor.pk]),
        reverse("accounts:user_detail", args=[county_prosecutor.pk]),
    ):
        body = admin.get(url).content.decode()
        assert "csrfmiddlewaretoken" in body
    assert "对应人员工号" in admin.get(reverse("accounts:user_create")).content.decode()
    assert "停用" in admin.get(reverse("accounts:user_detail", args=[county_prosecutor.pk])).content.decode()
    body = (
        _client_for(security_admin).get(reverse("accounts:grant_detail", args=[county_prosecutor.pk])).content
    )
    text = body.decode()
    assert "授予角色" in text
    assert "嘉峪关" not in text  # only units inside the grantor's scope are offered
    assert "兰州市城关区人民检察院" in text


def test_list_pages_use_a_fixed_number_of_queries(
    org, system_admin, security_admin, audit_admin, django_assert_max_num_queries
):
    for n in range(25):
        user = UserFactory(username=f"bulk{n}", staff=StaffFactory(department=org.criminal))
        grant(user, "PROSECUTOR", "SELF")
        UserSession.objects.create(
            user=user, session_key=f"k{n:039d}", started_at=timezone.now(), last_seen_at=timezone.now()
        )
        LoginEvent.objects.create(
            username=user.username, user=user, outcome="SUCCESS", occurred_at=timezone.now()
        )
    cases = [
        (system_admin, "accounts:user_list"),
        (security_admin, "accounts:grant_list"),
        (security_admin, "accounts:session_list"),
        (audit_admin, "accounts:login_log"),
    ]
    for user, name in cases:
        client = _client_for(user)
        client.get(reverse(name))  # the session record is created on the first request
        with django_assert_max_num_queries(10):  # 8-9 measured, whatever the number of rows
            assert client.get(reverse(name)).status_code == 200
