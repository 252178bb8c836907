"""Decorators every view uses to authorise (STYLE.md §2: views parse, authorise, call, render)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from lianjian.common.permissions import Perm

View = TypeVar("View", bound=Callable[..., HttpResponse])


def require_perm(*perms: Perm) -> Callable[[View], View]:
    """Log-in required, and at least one of ``perms`` held; otherwise 403 (nothing is run)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not any(user.has_lianjian_perm(perm) for perm in perms):
                raise PermissionDenied("您没有权限访问此页面")
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
