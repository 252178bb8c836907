"""The import page (数据导入) for 案件管理 users: upload one or more files as one batch, follow the
upload, read the result, browse and export the history, download a batch's errors; and the XLSX
templates. Everything behind Perm.IMPORT_RUN; batches only through the selector (404 outside)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from lianjian.common.listing import Button, Column, cell_text, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.ingest.forms import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, ImportBatchFilterForm, ImportUploadForm
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.readers import READERS, RecordReader, reader_for
from lianjian.ingest.registry import kind_labels
from lianjian.ingest.selectors import import_batches_search, import_batches_visible_to
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.summary import (
    ERROR_HEADERS,
    count_rows,
    error_rows,
    errors_csv,
    errors_xlsx,
    unknown_event_types,
    unknown_type_text,
)
from lianjian.ingest.workbooks import UnknownTemplateKind, template_bytes, template_filename, template_kinds

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 50


def _detail_url(batch: ImportBatch) -> str:
    return reverse("ingest:batch_detail", args=[batch.pk])


COLUMNS = [
    Column("批次", lambda b: f"#{b.pk}", url=_detail_url, testid="batch-link"),
    Column("开始时间", lambda b: b.started_at),
    Column("操作人", lambda b: b.actor_name),
    Column("文件", lambda b: b.source_name),
    Column("格式", lambda b: b.source_format),
    Column("状态", lambda b: b.get_status_display()),
    Column("试运行", lambda b: b.is_dry_run),
    Column("记录数", lambda b: b.record_count),
    Column("错误数", lambda b: b.error_count),
    Column("耗时（毫秒）", lambda b: b.duration_ms),
]


@require_perm(Perm.IMPORT_RUN)
def batch_list(request: HttpRequest) -> HttpResponse:
    """The import history, filtered by status, date range and file name; Excel export."""
    form = ImportBatchFilterForm(request.GET or None)
    batches = import_batches_visible_to(request.user)
    if form.is_bound:
        batches = import_batches_search(batches, **form.filters()) if form.is_valid() else batches.none()
    return render_list(
        request,
        title="导入批次",
        queryset=batches,
        columns=COLUMNS,
        filter_form=form,
        toolbar=[Button("上传导入", reverse("ingest:batch_upload"), "btn-primary")],
    )


def _visible_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(import_batches_visible_to(request.user), pk=pk)


@require_perm(Perm.IMPORT_RUN)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's result: status, counts per kind, unknown event types, duration, paged errors."""
    batch = _visible_batch(request, pk)
    errors = Paginator(error_rows(batch.errors or []), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    unknown = [
        unknown_type_text(name, number, saved=batch.is_accepted)
        for name, number in unknown_event_types(batch.counts)
    ]
    context: dict[str, Any] = {
        "page_title": f"导入批次 #{batch.pk}",
        "batch": batch,
        "counts": count_rows(batch.counts),
        "unknown_types": unknown,
        "error_headers": ERROR_HEADERS,
        "page_obj": errors,
        "query_without_page": "",
        "more_errors": max(0, batch.error_count - len(batch.errors or [])),
        "duration_seconds": f"{batch.duration_ms / 1000:.1f}",
    }
    return render(request, "ingest/batch_detail.html", context)


def _error_file_name(batch: ImportBatch, extension: str) -> str:
    return f"导入错误-批次{batch.pk}.{extension}"


@require_perm(Perm.IMPORT_RUN)
def batch_errors_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's errors as an Excel workbook (the rows of the result page, all of them)."""
    batch = _visible_batch(request, pk)
    about = [
        ("批次", f"#{batch.pk}"),
        ("文件", batch.source_name),
        ("状态", batch.get_status_display()),
        ("开始时间", cell_text(batch.started_at)),
        ("操作人", batch.actor_name),
        ("错误总数", batch.error_count),
        ("本表条数", len(batch.errors or [])),
    ]
    content = errors_xlsx(batch.errors or [], about=about)
    disposition = content_disposition_header(True, _error_file_name(batch, "xlsx"))
    return HttpResponse(content, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition})


@require_perm(Perm.IMPORT_RUN)
def batch_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's errors as CSV, UTF-8 with a BOM (so that Excel shows the Chinese text)."""
    batch = _visible_batch(request, pk)
    disposition = content_disposition_header(True, _error_file_name(batch, "csv"))
    return HttpResponse(
        errors_csv(batch.errors or []),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def _reader(upload: UploadedFile, kinds: dict[str, str]) -> RecordReader:
    """A reader over an upload: from its temporary file when Django spooled it to disk."""
    name = Path(upload.name or "").name
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        return reader_for(name, kinds=kinds, path=Path(temporary()))
    return reader_for(name, kinds=kinds, data=upload.read())


def _wants_json(request: HttpRequest) -> bool:
    """The page's script (upload.js) posts with XMLHttpRequest and reads a JSON answer."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@require_perm(Perm.IMPORT_RUN)
def batch_upload(request: HttpRequest) -> HttpResponse:
    """Upload one or more files as one batch (or only validate them), then show the result."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            if _wants_json(request):
                errors = [str(message) for messages_ in form.errors.values() for message in messages_]
                return JsonResponse({"ok": False, "errors": errors}, status=400)
        else:
            kinds = kind_labels()
            uploads: list[UploadedFile] = form.cleaned_data["file"]
            readers = [_reader(upload, kinds) for upload in uploads]
            result = import_batch_run(
                actor=request.user,
                source_name=", ".join(reader.source for reader in readers),
                lines_or_reader=readers,
                dry_run=form.cleaned_data["dry_run"],
            )
            batch = result.batch
            if result.issues:
                messages.error(request, f"导入被拒绝，未写入任何数据：共 {len(result.issues)} 条错误")
            else:
                messages.success(request, f"导入批次 #{batch.pk}：{batch.get_status_display()}")
            url = reverse("ingest:batch_detail", args=[batch.pk])
            if _wants_json(request):
                return JsonResponse(
                    {"ok": True, "batch": batch.pk, "status": str(batch.status), "redirect": url}
                )
            return redirect(url)
    templates = [
        {"kind": kind, "label": label, "url": reverse("ingest:template_download", args=[kind])}
        for kind, label in template_kinds().items()
    ]
    context = {
        "page_title": "上传导入",
        "form": form,
        "templates": templates,
        "max_files": MAX_UPLOAD_FILES,
        "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
        "accept": ",".join(sorted(READERS)),
    }
    return render(request, "ingest/batch_upload.html", context)


@require_perm(Perm.IMPORT_RUN)
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The XLSX import template of a record kind (or ``all``), as an attachment."""
    try:
        content = template_bytes(kind)
    except UnknownTemplateKind:
        raise Http404("没有这种记录类型的模板") from None
    disposition = content_disposition_header(True, template_filename(kind))
    return HttpResponse(content, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition})
