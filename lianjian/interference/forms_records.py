"""Forms of the recording and reading pages: the record form (mapping to
:class:`~lianjian.interference.services.RecordInput`), the correction, the list filters, and
the read request (查阅审批) forms. Forms parse; the rules are in the services and the policy."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from pydantic import ValidationError

from lianjian.cases.selectors import cases_visible_to
from lianjian.interference.choices import (
    Channel,
    Confidentiality,
    MatterType,
    RecordCategory,
    Response,
    SubjectType,
    ViolationCode,
)
from lianjian.interference.services import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_READ_WINDOW_DAYS,
    RecordInput,
    Upload,
    input_errors,
)
from lianjian.org.models import Staff, Unit

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}
SMALL = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


def _choices(enum: Any, blank: str | None = "请选择") -> list[tuple[str, str]]:
    head = [("", blank)] if blank is not None else []
    return head + [(str(value), str(label)) for value, label in enum.choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the limits are the services': count and size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={**TEXT, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        if len(cleaned) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"每条记录最多 {MAX_ATTACHMENTS} 个附件")
        for upload in cleaned:
            if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    f"附件“{upload.name}”超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"
                )
        return cleaned


# The form's fields in RecordInput (everything but attachments, the skip-level unit and the reason).
INPUT_FIELDS = (
    "subject_name",
    "subject_org",
    "subject_position",
    "subject_type",
    "subject_staff_no",
    "occurred_at",
    "location",
    "in_workplace",
    "in_hours",
    "channel",
    "matter_type",
    "case_no",
    "matter_ref",
    "content",
    "category",
    "violation_codes",
    "response",
    "response_note",
    "affected_case",
    "approval_ref",
    "confidentiality",
)


class RecordForm(forms.Form):
    """新增记录 (DOMAIN_RULES.md §2.4). ``cleaned_data["record_input"]`` is the parsed input and
    ``cleaned_data["uploads"]`` the attachments; a failure is reported field by field in Chinese."""

    subject_name = forms.CharField(label="过问人姓名", max_length=50, widget=forms.TextInput(attrs=TEXT))
    subject_org = forms.CharField(label="过问人所在单位", max_length=100, widget=forms.TextInput(attrs=TEXT))
    subject_position = forms.CharField(label="过问人职务", max_length=100, widget=forms.TextInput(attrs=TEXT))
    subject_type = forms.ChoiceField(
        label="过问人类别", choices=_choices(SubjectType), widget=forms.Select(attrs=SELECT)
    )
    subject_staff_no = forms.CharField(
        label="过问人工号",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs=TEXT),
        help_text="过问人是本系统人员时填写其工号：只用于让其本人看不到这条记录，不显示给任何人。",
    )
    occurred_at = forms.DateTimeField(
        label="过问时间",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label="地点", max_length=200, widget=forms.TextInput(attrs=TEXT))
    in_workplace = forms.BooleanField(
        label="在工作场所", required=False, initial=True, widget=forms.CheckboxInput(attrs=CHECK)
    )
    in_hours = forms.BooleanField(
        label="在工作时间", required=False, initial=True, widget=forms.CheckboxInput(attrs=CHECK)
    )
    channel = forms.ChoiceField(label="方式", choices=_choices(Channel), widget=forms.Select(attrs=SELECT))
    matter_type = forms.ChoiceField(
        label="重大事项类别",
        choices=[("", "请选择")] + [(str(v), f"{v} {label}") for v, label in MatterType.choices],
        widget=forms.Select(attrs=SELECT),
    )
    case_no = forms.CharField(
        label="涉及案件编号",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=TEXT),
        help_text="本系统中您可查看的案件的编号；不在本系统中的，请在“涉及事项”中填写案号、案由、办案环节。",
    )
    matter_ref = forms.CharField(
        label="涉及事项",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text="案号、案由、办案环节，或涉及的干部、项目、工程。",
    )
    content = forms.CharField(
        label="过问、请托的具体内容和要求", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 5})
    )
    category = forms.ChoiceField(
        label="填报分类",
        choices=[("", "请选择")] + [(str(v), f"{v} {label}") for v, label in RecordCategory.choices],
        widget=forms.Select(attrs=SELECT),
    )
    violation_codes = forms.MultipleChoiceField(
        label="违规情形",
        required=False,
        choices=_choices(ViolationCode, blank=None),
        widget=forms.CheckboxSelectMultiple,
        help_text="属于违法干预（LD-VIO）、违规过问（IN-VIO）或严禁的接触交往（CT-PRO）时勾选；须与过问人类别相符。",
    )
    response = forms.ChoiceField(
        label="本人处置", choices=_choices(Response), widget=forms.Select(attrs=SELECT)
    )
    response_note = forms.CharField(
        label="处置情况说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    attachments = MultipleFileField(
        label="留存材料",
        required=False,
        help_text=(
            f"函件、信息截图、录音等，最多 {MAX_ATTACHMENTS} 个，每个不超过 "
            f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB；加密保存。"
        ),
    )
    approval_ref = forms.CharField(
        label="接触审批单号",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs=TEXT),
        help_text="因办案需要在非工作场所、非工作时间接触的，填写审批单号（CT-PRC-02）。",
    )
    affected_case = forms.BooleanField(
        label="已影响案件正常办理", required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )
    confidentiality = forms.ChoiceField(
        label="保密级别",
        choices=_choices(Confidentiality, blank=None),
        initial=Confidentiality.NORMAL,
        widget=forms.Select(attrs=SELECT),
        help_text="“重要”级别的记录，检务督察只见编号与分类，只有纪检监察可阅读内容。",
    )
    report_unit_code = forms.ChoiceField(
        label="报告单位",
        required=False,
        widget=forms.Select(attrs=SELECT),
        help_text="默认报本院；认为不宜在本院报告的，可越级报至上级院（越级报告）。",
    )

    def __init__(self, *args: Any, user: Any, correction: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        staff: Staff | None = getattr(user, "staff", None)
        if correction:
            del self.fields["report_unit_code"]
        elif staff is not None:
            own = staff.unit
            superiors = Unit.objects.filter(code__in=own.ancestor_codes()).exclude(pk=own.pk).order_by("path")
            cast(forms.ChoiceField, self.fields["report_unit_code"]).choices = [
                ("", f"本院（{own.name}）")
            ] + [(unit.code, f"越级报告：{unit.name}") for unit in superiors]

    def clean_subject_staff_no(self) -> str:
        value: str = self.cleaned_data.get("subject_staff_no", "").strip()
        if value and not Staff.objects.filter(staff_no=value).exists():
            raise forms.ValidationError("未找到该工号的人员；不是本系统人员的，请留空")
        return value

    def clean_case_no(self) -> str:
        value: str = self.cleaned_data.get("case_no", "").strip()
        if value and not cases_visible_to(self.user).filter(case_no=value).exists():
            raise forms.ValidationError("未找到您可查看的该案件；请核对编号，或在“涉及事项”中填写案号、案由")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned: dict[str, Any] = self.cleaned_data
        if self.errors:
            return cleaned
        values = {name: cleaned.get(name) for name in INPUT_FIELDS}
        values["violation_codes"] = list(cleaned.get("violation_codes") or [])
        values["report_unit_code"] = cleaned.get("report_unit_code") or ""
        try:
            cleaned["record_input"] = RecordInput.model_validate(values)
        except ValidationError as exc:
            for error, message in zip(exc.errors(), input_errors(exc), strict=True):
                where = error.get("loc") or ()
                name = str(where[0]) if where else ""
                self.add_error(name if name in self.fields else None, message)
        cleaned["uploads"] = [Upload(f.name or "附件", f.read()) for f in cleaned.get("attachments") or []]
        return cleaned


class CorrectionForm(RecordForm):
    """更正: the record form pre-filled with the current version, and a reason."""

    reason = forms.CharField(
        label="更正原因", max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, correction=True, **kwargs)

    @staticmethod
    def initial_from(content: dict[str, Any]) -> dict[str, Any]:
        """The form's initial values from an opened version."""
        initial = {name: content.get(name, "") for name in INPUT_FIELDS}
        occurred = content.get("occurred_at")
        if isinstance(occurred, str) and occurred:
            initial["occurred_at"] = timezone.localtime(datetime.fromisoformat(occurred))
        return initial


class RecordFilterForm(forms.Form):
    """Filters of 记录查阅 — plain fields only (never the sealed content)."""

    q = forms.CharField(
        label="编号",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**SMALL, "placeholder": "登记编号、案件编号或分类代码"}),
    )
    start = forms.DateField(
        label="记录时间起", required=False, widget=forms.DateInput(attrs={**SMALL, "type": "date"})
    )
    end = forms.DateField(
        label="记录时间止", required=False, widget=forms.DateInput(attrs={**SMALL, "type": "date"})
    )
    category = forms.ChoiceField(
        label="填报分类",
        required=False,
        choices=_choices(RecordCategory, "全部"),
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    subject_type = forms.ChoiceField(
        label="过问人类别",
        required=False,
        choices=_choices(SubjectType, "全部"),
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    unit = forms.ChoiceField(label="报告单位", required=False, widget=forms.Select(attrs=SMALL_SELECT))

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", "全部")] + [
            (u.code, u.name) for u in units
        ]


class ReadRequestForm(forms.Form):
    """查阅申请: a reason and a window of at most 30 days (R3-6, CF-02)."""

    record_no = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(
        label="查阅事由", max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )
    start = forms.DateField(label="查阅起始日期", widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    end = forms.DateField(
        label="查阅截止日期",
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}),
        help_text=f"查阅期限最长 {MAX_READ_WINDOW_DAYS} 天（含起止日）。",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned: dict[str, Any] = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", "查阅截止日期不能早于起始日期")
            elif (end - start).days + 1 > MAX_READ_WINDOW_DAYS:
                self.add_error("end", f"查阅期限最长 {MAX_READ_WINDOW_DAYS} 天")
            else:
                cleaned["window_start"] = timezone.make_aware(datetime.combine(start, time.min))
                cleaned["window_end"] = timezone.make_aware(
                    datetime.combine(end + timedelta(days=1), time.min)
                ) - timedelta(seconds=1)
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "不予批准")])
    note = forms.CharField(label="审批意见", required=False, max_length=500)
