"""The REST API under /api/v1/ (Django Ninja); routers are added per app as capabilities land.

Every refusal answers JSON ``{"detail": 中文说明, "code": english_code}`` (docs/api.md).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from lianjian.accounts.api_auth import BAD_TOKEN_MESSAGE, ApiError
from lianjian.ingest.api import router as ingest_router

api = NinjaAPI(
    title="廉检 Lianjian API",
    version="1",
    description=(
        "司法办案廉政风险防控平台接口（供统一业务应用系统等内网系统集成）。"
        "认证：请求头 Authorization: Bearer <接口令牌>，令牌由安全管理员在“系统管理 → 接口令牌”中创建。"
    ),
    urls_namespace="api",
    # The interactive documentation is served from the installed package's static files (no CDN)
    # and only to signed-in users.
    docs_decorator=login_required,
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = api.create_response(request, exc.body(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": BAD_TOKEN_MESSAGE, "code": "unauthorized"}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到", "code": "not_found"}, status=404)


@api.exception_handler(ValidationError)
def _invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "请求参数无效", "code": "invalid_request", "errors": exc.errors}, status=422
    )


@api.get(
    "/health", auth=None, summary="健康检查", openapi_extra={"responses": {200: {"description": "服务正常"}}}
)
def health(request: object) -> dict[str, str]:
    return {"status": "ok"}


api.add_router("", ingest_router)
