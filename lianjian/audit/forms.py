"""The audit page's search form."""

from __future__ import annotations

from typing import Any

from django import forms

_TEXT = {"class": "form-control form-control-sm"}


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label="操作人", required=False, max_length=150, widget=forms.TextInput(_TEXT))
    action = forms.CharField(label="操作", required=False, max_length=64, widget=forms.TextInput(_TEXT))
    target_type = forms.CharField(
        label="对象类型", required=False, max_length=64, widget=forms.TextInput(_TEXT)
    )
    target_id = forms.CharField(
        label="对象标识", required=False, max_length=128, widget=forms.TextInput(_TEXT)
    )
    target = forms.CharField(label="对象", required=False, max_length=300, widget=forms.TextInput(_TEXT))
    occurred_from = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput({**_TEXT, "type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，例如 2026-01-31"},
    )
    occurred_to = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput({**_TEXT, "type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，例如 2026-01-31"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            self.add_error("occurred_to", "结束日期不能早于开始日期")
        return data

    def filters(self) -> dict[str, Any]:
        """The non-empty search values (call after ``is_valid()``)."""
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
