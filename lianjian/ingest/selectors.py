"""Reads of the import history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

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


def import_batches_search(
    batches: QuerySet[ImportBatch],
    *,
    status: str = "",
    started_from: date | None = None,
    started_to: date | None = None,
    source: str = "",
) -> QuerySet[ImportBatch]:
    """Narrow ``batches`` (already scoped) by the history page's filters.

    ``source`` matches anywhere in the file names of the batch; the dates are whole local days,
    both ends included.
    """
    if status:
        batches = batches.filter(status=status)
    if started_from is not None:
        batches = batches.filter(started_at__gte=_day_start(started_from))
    if started_to is not None:
        batches = batches.filter(started_at__lt=_day_start(started_to + timedelta(days=1)))
    if source:
        batches = batches.filter(source_name__icontains=source)
    return batches


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
