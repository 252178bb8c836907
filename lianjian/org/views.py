from django.http import HttpRequest, HttpResponse

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm


def _todo(request: HttpRequest) -> HttpResponse:
    return HttpResponse("建设中")


unit_list = require_perm(Perm.ORG_VIEW)(_todo)
department_list = require_perm(Perm.ORG_VIEW)(_todo)
staff_list = require_perm(Perm.ORG_VIEW)(_todo)
staff_change_list = require_perm(Perm.ORG_VIEW)(_todo)
power_list = require_perm(Perm.POWER_VIEW)(_todo)
relation_list = require_perm(Perm.RELATION_VIEW)(_todo)
lawyer_list = require_perm(Perm.LAWYER_VIEW)(_todo)
