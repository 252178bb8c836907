"""What each role's dashboard shows (counts within the user's own scope)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from lianjian.common.permissions import Perm
from lianjian.org import selectors as org


def dashboard_panels(user: Any) -> list[dict[str, Any]]:
    """Figure cards for the permissions the user holds, each counted within its scope."""
    panels: list[dict[str, Any]] = []
    if user.has_lianjian_perm(Perm.ORG_VIEW):
        panels.append(
            {
                "label": "可见单位",
                "value": org.units_visible_to(user).count(),
                "url": reverse("org:unit_list"),
            }
        )
        panels.append(
            {
                "label": "可见人员",
                "value": org.staff_visible_to(user).count(),
                "url": reverse("org:staff_list"),
            }
        )
    if user.has_lianjian_perm(Perm.RELATION_VIEW):
        panels.append(
            {
                "label": "特殊关系登记",
                "value": org.relations_visible_to(user).count(),
                "url": reverse("org:relation_list"),
            }
        )
    if user.has_lianjian_perm(Perm.USER_MANAGE):
        panels.append({"label": "用户管理", "value": "进入", "url": reverse("accounts:user_list")})
    if user.has_lianjian_perm(Perm.ROLE_GRANT):
        panels.append({"label": "角色授权", "value": "进入", "url": reverse("accounts:grant_list")})
    if user.has_lianjian_perm(Perm.AUDIT_VIEW):
        panels.append({"label": "审计日志", "value": "进入", "url": reverse("audit:event_list")})
    return panels
