"""Fixtures of the accounts tests: a controllable clock and signing in through the login page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

IP = "10.20.30.40"
UA = "Mozilla/5.0 (廉检测试浏览器)"


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``timezone.now()`` frozen at the real time and moved only by ``clock.advance(...)``."""
    frozen = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


LoginPost = Callable[..., Any]


@pytest.fixture
def login_post() -> LoginPost:
    def post(client: Client, username: str, password: str, ip: str = IP, ua: str = UA) -> Any:
        return client.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
            HTTP_USER_AGENT=ua,
        )

    return post
