"""The shell around every page: menu, user, unit, roles and the server-set watermark."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from lianjian.dashboard.menu import menu_for
from lianjian.notify.selectors import unread_count


def watermark_svg(text: str) -> str:
    """A tiled SVG with the user's name and the time, drawn by the server (not by page script)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200">'
        '<text x="20" y="120" transform="rotate(-22 160 100)" fill="rgba(120,120,120,0.13)" '
        f'font-size="15" font-family="sans-serif">{escape(text)}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def shell(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    now = timezone.localtime()
    text = f"{user.display_name} {user.username} {now:%Y-%m-%d %H:%M}"
    staff = user.staff
    return {
        "shell_menu": menu_for(user, request.path),
        "shell_unit": f"{staff.unit.name}{' · ' + staff.department.name if staff.department else ''}"
        if staff
        else "",
        "shell_roles": [a.get_role_display() for a in user.roles.all()],
        "shell_unread": unread_count(user),
        "watermark_text": text,
        "watermark_svg": watermark_svg(text),
    }
