"""URL map: one include per app, the ingestion API under /api/v1/."""

from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("lianjian.dashboard.urls")),
    path("accounts/", include("lianjian.accounts.urls")),
    path("org/", include("lianjian.org.urls")),
    path("audit/", include("lianjian.audit.urls")),
    path("import/", include("lianjian.ingest.urls")),
    path("risk/", include("lianjian.risk.urls")),
    path("notify/", include("lianjian.notify.urls")),
    path("jobs/", include("lianjian.jobs.urls")),
    path("interference/", include("lianjian.interference.urls")),
    path("api/v1/", api.urls),
]

handler403 = "lianjian.common.errors.forbidden"
handler404 = "lianjian.common.errors.not_found"
handler500 = "lianjian.common.errors.server_error"
