"""Authentication and rate limiting of the REST API: ``Authorization: Bearer <token>``.

A request without a token, or with an unknown, revoked or expired one, is answered 401 before
anything else runs; an authenticated request beyond the token's rate is answered 429 with
``Retry-After``. Errors are JSON ``{"detail": 中文说明, "code": english_code}``.

The rate counter lives in Django's cache, one fixed one-minute window per token
(``cache.add`` + ``cache.incr``, atomic in Redis and memcached). The default per-process cache is
right for one server process; with several processes or machines, set ``LIANJIAN_CACHE_URL`` to a
shared Redis so that the limit holds across them.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from lianjian.accounts.api_tokens import api_token_authenticate
from lianjian.accounts.models import ApiToken

MISSING_TOKEN_MESSAGE = "缺少接口令牌：请在请求头中提供 Authorization: Bearer <令牌>"  # noqa: S105
BAD_TOKEN_MESSAGE = "接口令牌无效、已撤销或已过期"  # noqa: S105
RATE_WINDOW_SECONDS = 60


class ApiError(Exception):
    """An API refusal with its status, English code, Chinese message and extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code}


def rate_check(token: ApiToken, *, now: float | None = None) -> None:
    """Count one request of ``token``; raise 429 when its window's count exceeds the rate.

    ``LIANJIAN_API_RATE_PER_MINUTE`` requests per minute; 0 or less switches the limit off.
    """
    limit: int = settings.LIANJIAN_API_RATE_PER_MINUTE
    if limit <= 0:
        return
    moment = time.time() if now is None else now
    window = int(moment // RATE_WINDOW_SECONDS)
    key = f"lianjian:api-rate:{token.pk}:{token.prefix}:{window}"
    # add() creates the counter only if absent; incr() is atomic in shared caches.
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - moment))
        raise ApiError(
            429,
            "rate_limited",
            f"请求过于频繁：每个令牌每分钟最多 {limit} 次请求，请 {retry_after} 秒后重试",
            {"Retry-After": str(retry_after)},
        )


class ApiTokenAuth(HttpBearer):
    """Ninja auth: the bearer token of an integrating system, then its rate limit.

    ``request.auth`` is the :class:`ApiToken`. A header that is missing or not ``Bearer``
    yields Ninja's ``AuthenticationError`` (answered 401 in ``config/api.py``).
    """

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header) or ""
        if not header.strip():
            raise ApiError(401, "token_missing", MISSING_TOKEN_MESSAGE, {"WWW-Authenticate": "Bearer"})
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = api_token_authenticate(raw=token.strip(), as_of=timezone.now())
        if found is None:
            raise ApiError(401, "token_invalid", BAD_TOKEN_MESSAGE, {"WWW-Authenticate": "Bearer"})
        rate_check(found)
        return found
