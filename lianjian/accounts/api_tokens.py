"""API tokens of integrating systems: creation, revocation, lookup (F2.3, F13.4).

The security administrator (安全管理员) issues a token for a system, limited to units within
their own 接口令牌 scope. A token is ``lj_<prefix>_<secret>``: the whole text is shown once, and
only its SM3 digest is kept, so a stolen database yields no usable token. Neither the token nor
its digest ever reaches the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lianjian.accounts.models import ApiToken, User
from lianjian.audit.services import audit_record
from lianjian.common.crypto import provider
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Unit

TOKEN_PREFIX = "lj_"  # noqa: S105 (a marker, not a secret)
LAST_USED_GRANULARITY = timedelta(minutes=1)
"""``last_used_at`` is written at most once a minute per token, not on every request."""


def token_digest(raw: str) -> str:
    """The stored form of a token: its SM3 digest in hex."""
    return provider.hash(raw.encode("utf-8")).hex()


def _units_q(scope: Scope) -> Q:
    return scope.filter(unit_path="path", unit="pk")


# --- reads ----------------------------------------------------------------------------------


def api_token_units_for(user: Any) -> QuerySet[Unit]:
    """Units the user may give a token: those inside their 接口令牌 scope."""
    scope: Scope = user.scope(Perm.API_TOKEN_MANAGE)
    if scope.is_empty:
        return Unit.objects.none()
    return Unit.objects.filter(_units_q(scope))


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """Tokens the user manages: those whose every unit lies inside their 接口令牌 scope.

    A token that reaches beyond the user's scope (issued by a higher-level administrator) is
    neither listed nor revocable by them.
    """
    scope: Scope = user.scope(Perm.API_TOKEN_MANAGE)
    if scope.is_empty:
        return ApiToken.objects.none()
    tokens = ApiToken.objects.select_related("created_by", "revoked_by").prefetch_related("units")
    if scope.everything:
        return tokens
    outside = Unit.objects.exclude(_units_q(scope))
    return tokens.exclude(units__in=outside)


def api_token_authenticate(*, raw: str, as_of: datetime) -> ApiToken | None:
    """The active, unexpired token whose secret is ``raw``, or None (unknown, revoked, expired).

    Records when the token was last used (at most once a minute, so that a busy integration does
    not write on every request).
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.usable(as_of=as_of).filter(token_hash=token_digest(raw)).first()
    if token is None:
        return None
    if token.last_used_at is None or as_of - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=as_of)
        token.last_used_at = as_of
    return token


def api_token_unit_paths(token: ApiToken) -> tuple[str, ...]:
    """The materialised paths of the token's units: a unit lies within when its path starts so."""
    return tuple(sorted(token.units.values_list("path", flat=True)))


# --- writes ---------------------------------------------------------------------------------


def _snapshot(token: ApiToken) -> dict[str, Any]:
    """What the audit log says about a token: never the secret nor its digest."""
    return {
        "name": token.name,
        "prefix": token.prefix,
        "units": sorted(token.units.values_list("code", flat=True)),
        "expires_at": timezone.localtime(token.expires_at).isoformat() if token.expires_at else None,
        "is_active": token.is_active,
    }


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, units: Iterable[Unit], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``units`` (and their subordinates); returns it and its secret text.

    The secret is returned here only: the caller shows it once. Refused (nothing written) when
    the actor lacks 接口令牌管理, a unit lies outside the actor's scope, no unit is given, the
    name is empty or taken, or the expiry is not in the future.
    """
    if not actor.has_lianjian_perm(Perm.API_TOKEN_MANAGE):
        raise PermissionDenied("您没有管理接口令牌的权限")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写令牌名称"})
    if ApiToken.objects.filter(name=name).exists():
        raise ValidationError({"name": "该名称已被使用，请换一个名称"})
    chosen = list(dict.fromkeys(units))
    if not chosen:
        raise ValidationError({"units": "请至少选择一个授权单位"})
    scope = actor.scope(Perm.API_TOKEN_MANAGE)
    outside = [unit for unit in chosen if not scope.covers_unit(unit)]
    if outside:
        names = "、".join(unit.name for unit in outside)
        raise ValidationError({"units": f"超出您的管理范围：{names}"})
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "失效时间应晚于当前时间"})
    prefix = f"{TOKEN_PREFIX}{secrets.token_hex(4)}"
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        name=name,
        prefix=prefix,
        token_hash=token_digest(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    token.units.set(chosen)
    audit_record(actor=actor, action="accounts.api_token.create", target=token, after=_snapshot(token))
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke a token within the actor's scope; it stops authenticating at once. Irreversible."""
    if not api_tokens_visible_to(actor).filter(pk=token.pk).exists():
        raise PermissionDenied("该令牌不在您的管理范围内")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not locked.is_active:
        raise ValidationError("该令牌已撤销")
    before = _snapshot(locked)
    locked.is_active = False
    locked.revoked_by = actor
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["is_active", "revoked_by", "revoked_at"])
    token.is_active, token.revoked_by, token.revoked_at = False, actor, locked.revoked_at
    audit_record(
        actor=actor,
        action="accounts.api_token.revoke",
        target=locked,
        before={"is_active": before["is_active"]},
        after={"is_active": False},
    )
