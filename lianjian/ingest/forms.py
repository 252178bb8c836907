"""The import page's forms: the upload (one or more files, one batch) and the history filters."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from lianjian.ingest.choices import ImportBatchStatus
from lianjian.ingest.readers import READERS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""The largest file accepted through the page (larger ones go through ``lianjian import``)."""
MAX_UPLOAD_FILES = 20
MAX_BATCH_BYTES = 200 * 1024 * 1024

_TEXT = {"class": "form-control form-control-sm"}
_DATE = {**_TEXT, "type": "date"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportUploadForm(forms.Form):
    file = MultipleFileField(
        label="数据文件",
        help_text="JSON Lines（.jsonl/.json/.ndjson）、CSV（.csv）或 Excel（.xlsx），可同时选择多个文件",
        error_messages={"required": "请选择要导入的文件", "empty": "文件为空，没有可导入的记录"},
    )
    dry_run = forms.BooleanField(
        label="只校验不写入（试运行）",
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )

    def clean_file(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["file"]
        supported = "、".join(sorted(READERS))
        if len(uploads) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件")
        errors = []
        for upload in uploads:
            name = Path(upload.name or "").name
            if Path(name).suffix.lower() not in READERS:
                errors.append(f"{name}：不支持的文件格式，请上传 {supported} 文件")
            elif (upload.size or 0) > MAX_UPLOAD_BYTES:
                errors.append(f"{name}：文件过大（上限 50 MB），请分批导入或使用命令行 lianjian import")
        repeated = sorted(
            name for name, n in Counter(Path(u.name or "").name for u in uploads).items() if n > 1
        )
        if repeated:
            errors.append(
                f"同一批次中文件名重复：{'、'.join(repeated)}（错误按文件名定位，请重命名后再上传）"
            )
        if sum(upload.size or 0 for upload in uploads) > MAX_BATCH_BYTES:
            errors.append("一个批次的文件合计不能超过 200 MB，请分批导入或使用命令行 lianjian import")
        if errors:
            raise forms.ValidationError(errors)
        return uploads


class ImportBatchFilterForm(forms.Form):
    """The history page's filters."""

    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *ImportBatchStatus.choices],
        widget=forms.Select({"class": "form-select form-select-sm"}),
    )
    started_from = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(_DATE, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，例如 2026-01-31"},
    )
    started_to = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(_DATE, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，例如 2026-01-31"},
    )
    source = forms.CharField(label="文件名", required=False, max_length=200, widget=forms.TextInput(_TEXT))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_from"), data.get("started_to")
        if start and end and start > end:
            self.add_error("started_to", "结束日期不能早于开始日期")
        return data

    def filters(self) -> dict[str, Any]:
        """The non-empty filter values (call after ``is_valid()``)."""
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
