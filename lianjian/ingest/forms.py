"""The upload form of the import page."""

from __future__ import annotations

from pathlib import Path

from django import forms

from lianjian.ingest.readers import READERS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="数据文件", help_text="JSON Lines（.jsonl/.json/.ndjson）、CSV（.csv）或 Excel（.xlsx）"
    )
    dry_run = forms.BooleanField(label="只校验，不写入（试运行）", required=False)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in READERS:
            raise forms.ValidationError(f"不支持的文件格式，请上传 {'、'.join(sorted(READERS))} 文件")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件过大（上限 50 MB），请分批导入或使用命令行 lianjian import")
        return upload
