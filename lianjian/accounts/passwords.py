"""Password validators (filled by the accounts work)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class LengthValidator:
    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码至少 {self.min_length} 位", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 位"


class CompositionValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""


class ReuseValidator:
    def __init__(self, history: int = 5) -> None:
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""


class NotUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""
