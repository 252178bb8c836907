"""Reads of the import history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lianjian.common.permissions import Perm
from lianjian.ingest.models import ImportBatch


def import_batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Batches the user may see: their own; all of them with 数据导入 at scope 全部 (ALL).

    A deliberately simple rule: a batch may touch any unit, so it is not filed under one unit's
    subtree; whoever imports for the whole system sees the whole history.
    """
    if not user.has_lianjian_perm(Perm.IMPORT_RUN):
        return ImportBatch.objects.none()
    batches = ImportBatch.objects.select_related("created_by")
    if user.scope(Perm.IMPORT_RUN).everything:
        return batches
    return batches.filter(created_by=user)
