"""Forms of the risk pages: search forms, the risk-point forms, rule parameters, the import."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from lianjian.cases.choices import CaseLine
from lianjian.org.models import Department, Staff, Unit
from lianjian.risk.choices import (
    AlertLevel,
    AlertStatus,
    ClueRecipient,
    DisposalOpinion,
    DisposalState,
    DisposalStepKind,
    Recipient,
    RiskCategory,
    RiskLine,
    RiskPointLevel,
)
from lianjian.risk.kinds.base import DetectorKind
from lianjian.risk.models import RiskPoint, Rule
from lianjian.risk.services import POINT_FIELDS
from lianjian.risk.ui import kind_choices, params_errors, parse_json_object, pretty_json, today

SMALL = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}
SMALL_DATE = {**SMALL, "type": "date"}
CHECK = {"class": "form-check-input"}
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DATE = {"class": "form-control", "type": "date"}
CODE_AREA = {"class": "form-control font-monospace", "rows": 14, "spellcheck": "false"}
DATE_ERRORS = {"invalid": "请输入有效的日期，例如 2026-01-31"}
MAX_WORKBOOK_BYTES = 10 * 1024 * 1024


def _all(choices: list[tuple[str, str]], blank: str = "全部") -> list[tuple[str, str]]:
    return [("", blank), *choices]


def _search_text(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=50, widget=forms.TextInput(attrs=SMALL))


def _search_select(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=False, choices=_all(choices), widget=forms.Select(attrs=SMALL_SELECT)
    )


def _reason(label: str, message: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=200,
        required=required,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": message, "max_length": f"{label}不超过 200 个字"},
    )


def json_params(kind: DetectorKind, text: str, *, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters typed in ``text``, checked by ``kind`` (merged over ``base`` if given)."""
    value, problem = parse_json_object(text)
    if value is None:
        raise forms.ValidationError(problem)
    problems = params_errors(kind, {**base, **value} if base is not None else value)
    if problems:
        raise forms.ValidationError(problems)
    return value


# --- the catalogue ---------------------------------------------------------------------------


class PointFilterForm(forms.Form):
    unit = forms.ChoiceField(label="单位", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    line = _search_select("业务条线", RiskLine.choices)
    category = _search_select("风险类别", RiskCategory.choices)
    level = _search_select("风险等级", RiskPointLevel.choices)
    text = _search_text("编码/名称/关键词")
    include_retired = forms.BooleanField(
        label="含已停用", required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )

    def __init__(self, *args: Any, units: list[Unit], home: Unit | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.choices = [(u.code, u.name) for u in units] or [("", "标准库")]
        self.home = home
        self.units = {u.code: u for u in units}

    def selected_unit(self) -> Unit | None:
        """The unit whose catalogue is shown (call after ``is_valid()``)."""
        return self.units.get(self.cleaned_data.get("unit") or "", self.home)


class LinesField(forms.CharField):
    """A list of texts typed one per line (相关权力, the measures of each phase)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={**TEXT, "rows": 4}))
        kwargs.setdefault("help_text", "每行一项")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class PointFieldsForm(forms.Form):
    """The content of a risk point (``POINT_FIELDS``) and the date from which it holds."""

    name = forms.CharField(label="风险点名称", max_length=100, widget=forms.TextInput(attrs=TEXT))
    line = forms.ChoiceField(label="业务条线", choices=RiskLine.choices, widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(
        label="风险类别", choices=RiskCategory.choices, widget=forms.Select(attrs=SELECT)
    )
    level = forms.ChoiceField(
        label="风险等级", choices=RiskPointLevel.choices, widget=forms.Select(attrs=SELECT)
    )
    powers = LinesField(label="相关权力")
    legal_basis = forms.CharField(
        label="依据", required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )
    responsible_department = forms.CharField(
        label="责任部门", max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    description = forms.CharField(
        label="风险表现", required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    prevent = LinesField(label="前期预防措施")
    monitor = LinesField(label="中期监控措施")
    dispose = LinesField(label="后期处置措施")
    is_detectable = forms.BooleanField(
        label="可由办案数据发现", required=False, widget=forms.CheckboxInput(attrs=CHECK)
    )
    effective_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(DATE, format="%Y-%m-%d"), error_messages=DATE_ERRORS
    )

    def point_fields(self) -> dict[str, Any]:
        """The point's fields as the services take them (call after ``is_valid()``)."""
        return {name: self.cleaned_data[name] for name in POINT_FIELDS}


class PointCreateForm(PointFieldsForm):
    """A new point in the standard library or in a unit's local library."""

    library = forms.ChoiceField(label="所属库", widget=forms.Select(attrs=SELECT))
    code = forms.CharField(
        label="风险点编码",
        max_length=16,
        widget=forms.TextInput(attrs=TEXT),
        help_text="与标准库编码相同的本地风险点在本单位及下级单位替代标准库中的该风险点",
    )
    reason = _reason("新增说明", "", required=False)

    field_order = ["library", "code"]

    def __init__(self, *args: Any, libraries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["library"]
        field.choices = libraries
        self.initial.setdefault("effective_from", today())

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


class PointReviseForm(PointFieldsForm):
    """A revision (内容修正) of a point: its content from a date, with the reason."""

    reason = _reason("修订理由", "请填写修订理由")

    def __init__(self, *args: Any, point: RiskPoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in POINT_FIELDS:
            self.initial.setdefault(name, getattr(point, name))
        self.initial.setdefault("effective_from", today())
        self.point = point

    def changes(self) -> dict[str, Any]:
        """Only the fields that differ from the point's present content."""
        return {
            name: value for name, value in self.point_fields().items() if getattr(self.point, name) != value
        }


class PointRetireForm(forms.Form):
    retired_on = forms.DateField(
        label="停用日期", widget=forms.DateInput(DATE, format="%Y-%m-%d"), error_messages=DATE_ERRORS
    )
    reason = _reason("停用理由", "请填写停用理由")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("retired_on", today())


class PointImportForm(forms.Form):
    library = forms.ChoiceField(label="导入到", widget=forms.Select(attrs=SELECT))
    file = forms.FileField(
        label="Excel 文件",
        help_text="本页“导出 Excel”的格式（.xlsx）；所属库、版本、生效日期、停用日期列仅供参考，导入时忽略",
        error_messages={"required": "请选择要导入的 Excel 文件", "empty": "文件为空"},
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".xlsx"}),
    )
    effective_from = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
        help_text="新增与修订的风险点自该日起生效",
    )
    reason = _reason("修订理由", "请填写修订理由")

    def __init__(self, *args: Any, libraries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["library"]
        field.choices = libraries
        self.initial.setdefault("effective_from", today())

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() != ".xlsx":
            raise forms.ValidationError("请上传 Excel 工作簿（.xlsx）")
        if (upload.size or 0) > MAX_WORKBOOK_BYTES:
            raise forms.ValidationError("文件过大（上限 10 MB）")
        return upload


# --- rules -----------------------------------------------------------------------------------


class RuleFilterForm(forms.Form):
    text = _search_text("编码/名称")
    kind = forms.ChoiceField(label="检测类型", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    level = _search_select("预警等级", AlertLevel.choices)
    enabled = _search_select("启用", [("yes", "已启用"), ("no", "已停用")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kind"]
        field.choices = _all(kind_choices())


class ParamsForm(forms.Form):
    """Proposed parameters as JSON, checked by the rule's kind (the back-test posts only these)."""

    params = forms.CharField(
        label="参数（JSON）",
        widget=forms.Textarea(attrs=CODE_AREA),
        error_messages={"required": "请填写参数（JSON 对象）"},
        strip=False,
    )

    def __init__(self, *args: Any, rule: Rule, kind: DetectorKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.kind = kind
        self.initial.setdefault("params", pretty_json(rule.params))

    def clean_params(self) -> dict[str, Any]:
        return json_params(self.kind, self.cleaned_data["params"])


class RuleChangeForm(ParamsForm):
    level = forms.ChoiceField(label="预警等级", choices=AlertLevel.choices, widget=forms.Select(attrs=SELECT))
    recipients = forms.MultipleChoiceField(
        label="接收人",
        choices=Recipient.choices,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        error_messages={"required": "请至少选择一类接收人"},
    )
    is_enabled = forms.BooleanField(label="启用", required=False, widget=forms.CheckboxInput(attrs=CHECK))
    reason = _reason("修改理由", "请填写修改理由")

    def __init__(self, *args: Any, rule: Rule, kind: DetectorKind, **kwargs: Any) -> None:
        super().__init__(*args, rule=rule, kind=kind, **kwargs)
        self.initial.setdefault("level", rule.level)
        self.initial.setdefault("recipients", list(rule.recipients))
        self.initial.setdefault("is_enabled", rule.is_enabled)


class RuleOverrideForm(forms.Form):
    """A unit's local parameters for a rule: merged over the rule's, and its own switch."""

    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.none(),
        to_field_name="code",
        empty_label="请选择单位",
        widget=forms.Select(attrs=SELECT),
    )
    params = forms.CharField(
        label="本地参数（JSON）",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={**CODE_AREA, "rows": 8}),
        help_text="只写需要改变的参数，其余沿用规则的参数；{} 表示全部沿用",
    )
    is_enabled = forms.ChoiceField(
        label="本地启用",
        required=False,
        choices=[("", "沿用规则设置"), ("on", "启用"), ("off", "停用")],
        widget=forms.Select(attrs=SELECT),
    )
    reason = _reason("修改理由", "请填写修改理由")

    def __init__(self, *args: Any, rule: Rule, kind: DetectorKind, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = units
        self.rule = rule
        self.kind = kind
        self.initial.setdefault("params", "{}")

    def clean_params(self) -> dict[str, Any]:
        return json_params(self.kind, self.cleaned_data["params"] or "{}", base=dict(self.rule.params))

    def enabled_value(self) -> bool | None:
        return {"on": True, "off": False}.get(self.cleaned_data.get("is_enabled") or "")


# --- alerts ----------------------------------------------------------------------------------


ALERT_VIEWS: dict[str, str] = {
    "mine": "我的预警",
    "department": "本部门预警",
    "unit": "本院预警",
}
"""The alert list's tabs (?view=): the user's own, their department's, everything in scope."""


class AlertFilterForm(forms.Form):
    view = forms.CharField(required=False, widget=forms.HiddenInput)
    risk_code = _search_text("风险点编码")
    rule = forms.ChoiceField(label="规则", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    level = _search_select("预警等级", AlertLevel.choices)
    status = _search_select("状态", AlertStatus.choices)
    disposal_state = _search_select("处置状态", DisposalState.choices)
    unit = forms.ChoiceField(label="单位（含下级）", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    department = forms.ChoiceField(label="部门", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    person = forms.ChoiceField(label="人员", required=False, widget=forms.Select(attrs=SMALL_SELECT))
    since = forms.DateField(
        label="预警日期起",
        required=False,
        widget=forms.DateInput(SMALL_DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )
    until = forms.DateField(
        label="预警日期止",
        required=False,
        widget=forms.DateInput(SMALL_DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )

    def __init__(
        self,
        *args: Any,
        rules: list[tuple[str, str]],
        units: list[Unit],
        departments: Sequence[Department] = (),
        people: Sequence[Staff] = (),
        views: Sequence[str] = ("unit",),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        rule_field: Any = self.fields["rule"]
        rule_field.choices = _all([(code, f"{code} {name}") for code, name in rules])
        unit_field: Any = self.fields["unit"]
        unit_field.choices = _all([(u.code, u.name) for u in units])
        self.units = {u.code: u for u in units}
        several_units = len({d.unit_id for d in departments}) > 1
        department_field: Any = self.fields["department"]
        department_field.choices = _all(
            [(str(d.pk), f"{d.unit.name} {d.name}" if several_units else d.name) for d in departments]
        )
        self.departments = {str(d.pk): d for d in departments}
        person_field: Any = self.fields["person"]
        person_field.choices = _all([(str(p.pk), f"{p.name}（{p.staff_no}）") for p in people])
        self.people = {str(p.pk): p for p in people}
        self.views = list(views)

    def clean_view(self) -> str:
        view = self.cleaned_data.get("view") or "unit"
        if view not in self.views:
            if view == "mine" or view == "department":
                raise forms.ValidationError(f"您的账号未关联人员或部门，不能查看“{ALERT_VIEWS[view]}”")
            raise forms.ValidationError("没有这个预警视图（可选：我的预警、本部门预警、本院预警）")
        return str(view)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            self.add_error("until", "结束日期不能早于开始日期")
        return data

    def selected_unit(self) -> Unit | None:
        return self.units.get(self.cleaned_data.get("unit") or "")

    def selected_department(self) -> Department | None:
        return self.departments.get(self.cleaned_data.get("department") or "")

    def selected_person(self) -> Staff | None:
        return self.people.get(self.cleaned_data.get("person") or "")


class CaseSearchForm(forms.Form):
    case_no = _search_text("案件编号")
    line = _search_select("业务条线", CaseLine.choices)


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files in one input (the service checks their number, size and type)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(_MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


# The fields each disposal step asks for, with their labels; whether one is required, and every
# other rule, is the service's to decide (lianjian/risk/disposal.py).
STEP_FIELDS: dict[str, dict[str, str]] = {
    DisposalStepKind.SIGN: {"note": "签收说明（可不填）"},
    DisposalStepKind.VERIFY: {"note": "核查情况", "attachments": "核查材料（可多选）"},
    DisposalStepKind.PROPOSE: {"opinion": "处置意见", "note": "处置意见说明"},
    DisposalStepKind.APPROVE: {"note": "审核意见（可不填）"},
    DisposalStepKind.RETURN: {"reason": "退回理由"},
    DisposalStepKind.TRANSFER: {"to": "移送对象", "reason": "移送理由"},
    DisposalStepKind.REOPEN: {"reason": "重新打开理由"},
}


class DisposalStepForm(forms.Form):
    """One step of an alert's disposal; only the fields of ``step`` are kept."""

    opinion = forms.ChoiceField(
        required=False,
        choices=DisposalOpinion.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    to = forms.ChoiceField(
        required=False, choices=ClueRecipient.choices, widget=forms.Select(attrs=SMALL_SELECT)
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={**SMALL, "rows": 3}))
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={**SMALL, "rows": 2})
    )
    attachments = _MultipleFileField(required=False, widget=_MultipleFileInput(attrs=SMALL))

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = STEP_FIELDS[step]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
            else:
                self.fields[name].label = wanted[name]
        self.step = step
        self.step_label = DisposalStepKind(step).label
