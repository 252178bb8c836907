"""The REST API under /api/v1/ (Django Ninja); routers are added per app as capabilities land."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

api = NinjaAPI(
    title="廉检 Lianjian API",
    version="1",
    description="司法办案廉政风险防控平台接口（供统一业务应用系统等内网系统集成）",
    urls_namespace="api",
    # The interactive documentation is served from the installed package's static files (no CDN)
    # and only to signed-in users.
    docs_decorator=login_required,
)


@api.get("/health", auth=None, summary="健康检查")
def health(request: object) -> dict[str, str]:
    return {"status": "ok"}
