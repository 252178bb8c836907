"""The REST API under /api/v1/ (Django Ninja); routers are added per app as capabilities land."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="廉检 Lianjian API",
    version="1",
    description="司法办案廉政风险防控平台接口（供统一业务应用系统等内网系统集成）",
    urls_namespace="api",
)


@api.get("/health", auth=None, summary="健康检查")
def health(request: object) -> dict[str, str]:
    return {"status": "ok"}
