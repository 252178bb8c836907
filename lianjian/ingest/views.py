"""The import history (导入批次), a batch's errors, the upload form and the XLSX templates
(all behind Perm.IMPORT_RUN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from lianjian.common.listing import Button, Column, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.ingest.forms import ImportUploadForm
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.readers import reader_for
from lianjian.ingest.registry import DERIVED_LABELS, kind_labels
from lianjian.ingest.selectors import import_batches_visible_to
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.workbooks import UnknownTemplateKind, template_bytes, template_filename, template_kinds

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _detail_url(batch: ImportBatch) -> str:
    return reverse("ingest:batch_detail", args=[batch.pk])


COLUMNS = [
    Column("批次", lambda b: f"#{b.pk}", url=_detail_url, testid="batch-link"),
    Column("开始时间", lambda b: b.started_at),
    Column("操作人", lambda b: b.actor_name),
    Column("文件", lambda b: b.source_name),
    Column("格式", lambda b: b.source_format),
    Column("状态", lambda b: b.get_status_display()),
    Column("记录数", lambda b: b.record_count),
    Column("错误数", lambda b: b.error_count),
    Column("耗时（毫秒）", lambda b: b.duration_ms),
]


@require_perm(Perm.IMPORT_RUN)
def batch_list(request: HttpRequest) -> HttpResponse:
    return render_list(
        request,
        title="导入批次",
        queryset=import_batches_visible_to(request.user),
        columns=COLUMNS,
        toolbar=[Button("上传导入", reverse("ingest:batch_upload"), "btn-primary")],
    )


@require_perm(Perm.IMPORT_RUN)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(import_batches_visible_to(request.user), pk=pk)
    labels = {**kind_labels(), **DERIVED_LABELS}
    counts = [
        {"kind": kind, "label": labels.get(kind, kind), **values}
        for kind, values in (batch.counts or {}).items()
    ]
    context: dict[str, Any] = {
        "page_title": f"导入批次 #{batch.pk}",
        "batch": batch,
        "counts": counts,
        "errors": batch.errors,
        "more_errors": max(0, batch.error_count - len(batch.errors)),
    }
    return render(request, "ingest/batch_detail.html", context)


@require_perm(Perm.IMPORT_RUN)
def batch_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = Path(upload.name).name
        reader = reader_for(name, kinds=kind_labels(), data=upload.read())
        result = import_batch_run(
            actor=request.user, source_name=name, lines_or_reader=reader, dry_run=form.cleaned_data["dry_run"]
        )
        if result.issues:
            messages.error(request, f"导入被拒绝，未写入任何数据：共 {len(result.issues)} 条错误")
        else:
            messages.success(request, f"导入批次 #{result.batch.pk}：{result.batch.get_status_display()}")
        return redirect("ingest:batch_detail", pk=result.batch.pk)
    templates = [
        {"kind": kind, "label": label, "url": reverse("ingest:template_download", args=[kind])}
        for kind, label in template_kinds().items()
    ]
    return render(
        request, "ingest/batch_upload.html", {"page_title": "上传导入", "form": form, "templates": templates}
    )


@require_perm(Perm.IMPORT_RUN)
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The XLSX import template of a record kind (or ``all``), as an attachment."""
    try:
        content = template_bytes(kind)
    except UnknownTemplateKind:
        raise Http404("没有这种记录类型的模板") from None
    disposition = content_disposition_header(True, template_filename(kind))
    return HttpResponse(content, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition})
