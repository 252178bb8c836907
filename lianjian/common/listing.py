"""The list page every domain app uses: search form, optional tree, table, pages, Excel export.

Views hand it a queryset that already went through a ``*_visible_to(user)`` selector; this
module only presents what it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

EXPORT_ROW_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_REGION_ID = "lj-list"  # the tree + table region that HTMX swaps in place


@dataclass(frozen=True)
class Column:
    """One column: a label, how to read the cell from an object, optionally a link."""

    label: str
    value: Callable[[Any], Any]
    url: Callable[[Any], str | None] | None = None
    testid: str = ""  # ``data-testid`` on the cell's link, for browser tests


@dataclass(frozen=True)
class Button:
    label: str
    url: str
    css: str = "btn-outline-primary"


@dataclass
class TreeNode:
    key: str
    label: str
    url: str
    active: bool = False
    is_department: bool = False
    children: list[TreeNode] = field(default_factory=list)


# A cell starting with one of these is a formula to Excel (and to openpyxl): data typed by users
# or sent by other systems must never run as one in an exported sheet (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` made inert for a spreadsheet cell: a leading formula character is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
            if timezone.is_aware(value)
            else str(value)
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(cell_text(v) for v in value)
    return str(value)


def xlsx_response(*, filename: str, columns: Sequence[Column], objects: Iterable[Any]) -> HttpResponse:
    """An Excel workbook of the rows, streamed through openpyxl's write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    sheet.append([c.label for c in columns])
    for count, obj in enumerate(objects):
        if count >= EXPORT_ROW_LIMIT:
            break
        sheet.append([spreadsheet_safe(cell_text(c.value(obj))) for c in columns])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response


def query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def render_list(
    request: HttpRequest,
    *,
    title: str,
    queryset: QuerySet[Any],
    columns: Sequence[Column],
    filter_form: forms.Form | None = None,
    tree: list[TreeNode] | None = None,
    tree_params: dict[str, str] | None = None,
    toolbar: Sequence[Button] = (),
    per_page: int = 20,
    on_export: Callable[[], None] | None = None,
    template_name: str = "shell/list.html",
    extra_context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render the list page, or the Excel export of the same rows when ``?export=xlsx``."""
    if request.GET.get("export") == "xlsx":
        if on_export is not None:
            on_export()
        return xlsx_response(filename=title, columns=columns, objects=queryset.iterator(chunk_size=2000))
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        [
            {"text": cell_text(c.value(obj)), "url": c.url(obj) if c.url else None, "testid": c.testid}
            for c in columns
        ]
        for obj in page.object_list
    ]
    context = {
        "page_title": title,
        "columns": columns,
        "rows": rows,
        "page_obj": page,
        "filter_form": filter_form,
        "tree": tree,
        "tree_params": tree_params or {},
        "toolbar": toolbar,
        "query_without_page": query_without(request, "page", "export"),
        "list_region_id": LIST_REGION_ID,
        **(extra_context or {}),
    }
    if wants_list_region(request):
        response = render(request, "shell/_list_region.html", context)
    else:
        response = render(request, template_name, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def wants_list_region(request: HttpRequest) -> bool:
    """An HTMX request that swaps only the tree + table region (not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == LIST_REGION_ID
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
