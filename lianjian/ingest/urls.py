from django.http import HttpResponse
from django.urls import path

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm

app_name = "ingest"
urlpatterns = [path("", require_perm(Perm.IMPORT_RUN)(lambda r: HttpResponse("建设中")), name="batch_list")]
