"""Puts the client address of the current request where :func:`audit_record` can find it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lianjian.audit.context import client_ip


def request_ip(request: HttpRequest) -> str | None:
    """The peer address. Behind nginx, deploy/ sets REMOTE_ADDR from the proxy (never trust XFF)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request_ip(request))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
