"""Password validators for Django's ``AUTH_PASSWORD_VALIDATORS`` (F13.1).

The 等保 profile (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求并定期更换) uses all four; the ASVS
profile drops composition and expiry and asks for a longer password (config/settings/base.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

DEFAULT_HISTORY = 5


class LengthValidator:
    """At least ``min_length`` characters."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码至少 {self.min_length} 位", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 位"


def character_classes(password: str) -> int:
    """How many of the four classes (upper case, lower case, digit, symbol) the password uses."""
    has_upper = any(c.isupper() for c in password)
    has_lower = any(c.islower() for c in password)
    has_digit = any(c.isdigit() for c in password)
    # Everything else is a "symbol": punctuation, spaces, and caseless letters such as 汉字.
    has_symbol = any(not (c.isupper() or c.islower() or c.isdigit()) for c in password)
    return sum((has_upper, has_lower, has_digit, has_symbol))


class CompositionValidator:
    """At least ``min_classes`` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类"


class ReuseValidator:
    """Not the current password, nor any of the user's last ``history`` passwords.

    :class:`~lianjian.accounts.models.PasswordHistory` keeps the hash of every password set
    through the services (the current one included), trimmed to ``history`` rows.
    """

    def __init__(self, history: int = DEFAULT_HISTORY) -> None:
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from lianjian.accounts.models import PasswordHistory

        encoded = [user.password] if user.password else []
        encoded += PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
            : self.history
        ]
        # check_password without a setter: validating must never rewrite a stored hash.
        if any(check_password(password, hashed) for hashed in encoded):
            raise ValidationError(
                f"新密码不能与当前密码或最近 {self.history} 次使用过的密码相同", code="password_reused"
            )

    def get_help_text(self) -> str:
        return f"不能与最近 {self.history} 次使用过的密码相同"


class NotUsernameValidator:
    """Does not contain the user name (either way round), case-insensitively."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) < 4:  # shorter names match ordinary words
            return
        lowered = password.lower()
        if username in lowered or username[::-1] in lowered:
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名"


def history_depth() -> int:
    """How many previous passwords the configured :class:`ReuseValidator` remembers."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, ReuseValidator):
            return validator.history
    return DEFAULT_HISTORY


def password_help_texts() -> list[str]:
    """The policy in words, for the password forms."""
    texts = password_validation.password_validators_help_texts()
    if getattr(settings, "LIANJIAN_PASSWORD_MAX_AGE_DAYS", 0):
        texts.append(f"每 {settings.LIANJIAN_PASSWORD_MAX_AGE_DAYS} 天须更换一次")
    return [t for t in texts if t]
