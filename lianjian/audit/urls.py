from django.http import HttpResponse
from django.urls import path

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm

app_name = "audit"
urlpatterns = [path("", require_perm(Perm.AUDIT_VIEW)(lambda r: HttpResponse("建设中")), name="event_list")]
