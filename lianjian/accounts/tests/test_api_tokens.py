"""API tokens: issued by the security administrator within their scope, the secret shown once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.api_tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_tokens_visible_to,
    token_digest,
)
from lianjian.accounts.models import ApiToken
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_security_admin(org: Any) -> Any:
    """安全管理员 of the whole province."""
    user: Any = UserFactory(username="prov_secadmin", display_name="省安全管理员")
    grant(user, "SECURITY_ADMIN", "UNIT_AND_BELOW", unit=org.province)
    return user


def test_security_admin_creates_a_token_within_scope_and_sees_the_secret_once(
    client: Client, org: Any, security_admin: Any
) -> None:
    client.force_login(security_admin)
    response = client.post(
        reverse("accounts:api_token_create"),
        {"name": "城关区业务系统", "units": [org.county.pk, org.county_b.pk], "expires_on": "2099-12-31"},
    )

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret.startswith("lj_")
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.name == "城关区业务系统"
    assert set(token.units.values_list("code", flat=True)) == {"620102", "620103"}
    assert token.created_by == security_admin
    assert token.is_active
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).isoformat() == "2100-01-01T00:00:00+08:00"
    # Only the digest is stored; the secret appears nowhere in the database row or the audit log.
    assert token.token_hash == token_digest(secret)
    assert len(token.token_hash) == 64
    assert secret.startswith(token.prefix + "_")
    assert secret not in str(ApiToken.objects.values().get())
    event = AuditEvent.objects.get(action="accounts.api_token.create")
    assert event.actor_id == security_admin.pk
    assert event.after == {
        "name": "城关区业务系统",
        "prefix": token.prefix,
        "units": ["620102", "620103"],
        "expires_at": "2100-01-01T00:00:00+08:00",
        "is_active": True,
    }
    assert secret not in str(event.after) and token.token_hash not in str(event.after)
    # The list shows the prefix, never the secret.
    listing = client.get(reverse("accounts:api_token_list")).content.decode()
    assert token.prefix in listing
    assert secret not in listing


def test_a_token_beyond_the_admin_scope_is_refused(client: Client, org: Any, security_admin: Any) -> None:
    client.force_login(security_admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("accounts:api_token_create"),
        {"name": "越权系统", "units": [org.county.pk, org.other_county.pk]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["units"]
    assert "secret" not in response.context
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_the_service_refuses_units_beyond_scope(org: Any, security_admin: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=security_admin, name="越权", units=[org.province])
    assert refused.value.message_dict == {"units": ["超出您的管理范围：甘肃省人民检察院"]}
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "units", "field", "message"),
    [
        (" ", True, "name", "请填写令牌名称"),
        ("系统", False, "units", "请至少选择一个授权单位"),
    ],
)
def test_a_token_needs_a_name_and_units(
    org: Any, security_admin: Any, name: str, units: bool, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=security_admin, name=name, units=[org.county] if units else [])
    assert refused.value.message_dict == {field: [message]}


def test_token_names_are_unique(org: Any, security_admin: Any) -> None:
    api_token_create(actor=security_admin, name="系统", units=[org.county])
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=security_admin, name="系统", units=[org.county])
    assert refused.value.message_dict == {"name": ["该名称已被使用，请换一个名称"]}


def test_others_than_the_security_admin_cannot_create_tokens(org: Any, system_admin: Any) -> None:
    with pytest.raises(PermissionDenied):
        api_token_create(actor=system_admin, name="系统", units=[org.county])
    assert ApiToken.objects.count() == 0


def test_a_token_authenticates_until_revoked(org: Any, security_admin: Any) -> None:
    token, secret = api_token_create(actor=security_admin, name="系统", units=[org.county])
    assert api_token_authenticate(raw=secret, as_of=timezone.now()) == token
    assert api_token_authenticate(raw=secret[:-1], as_of=timezone.now()) is None

    api_token_revoke(actor=security_admin, token=token)

    assert api_token_authenticate(raw=secret, as_of=timezone.now()) is None
    token.refresh_from_db()
    assert (token.is_active, token.revoked_by) == (False, security_admin)
    event = AuditEvent.objects.get(action="accounts.api_token.revoke")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_revoke_page_asks_then_revokes(client: Client, org: Any, security_admin: Any) -> None:
    token, _ = api_token_create(actor=security_admin, name="系统", units=[org.county])
    client.force_login(security_admin)
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    assert "确定撤销接口令牌" in client.get(url).content.decode()

    response = client.post(url)

    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
    assert client.post(url).status_code == 404  # already revoked


def test_a_token_beyond_the_admin_scope_is_neither_listed_nor_revocable(
    client: Client, org: Any, security_admin: Any, province_security_admin: Any
) -> None:
    wide, _ = api_token_create(actor=province_security_admin, name="省级系统", units=[org.province])
    mixed, _ = api_token_create(
        actor=province_security_admin, name="混合", units=[org.county, org.other_county]
    )
    own, _ = api_token_create(actor=security_admin, name="城关区", units=[org.county])
    assert list(api_tokens_visible_to(security_admin)) == [own]
    assert set(api_tokens_visible_to(province_security_admin)) == {wide, mixed, own}

    client.force_login(security_admin)
    before = AuditEvent.objects.count()
    response = client.post(reverse("accounts:api_token_revoke", args=[wide.pk]))

    assert response.status_code == 404
    wide.refresh_from_db()
    assert wide.is_active
    assert AuditEvent.objects.count() == before
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=security_admin, token=mixed)


def test_menu_shows_api_tokens_to_the_security_admin(
    client: Client, security_admin: Any, audit_admin: Any
) -> None:
    client.force_login(security_admin)
    assert reverse("accounts:api_token_list") in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(audit_admin)
    assert reverse("accounts:api_token_list") not in client.get(reverse("dashboard:home")).content.decode()
