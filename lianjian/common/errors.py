"""Error pages in Chinese; "forbidden" and "absent" look alike where existence must not leak."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    body = render_to_string(
        "shell/error.html", {"title": title, "text": text, "status": status}, request=request
    )
    return HttpResponse(body, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, "无权访问", "您没有权限访问此页面或执行此操作。")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "页面不存在", "您访问的页面不存在，或您无权查看。")


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, "系统错误", "系统处理时出错，已记录日志，请稍后重试或联系系统管理员。")
