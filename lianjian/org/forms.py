"""Search forms of the organisation lists, the power checker, and the two entry forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from lianjian.org.choices import (
    Decision,
    DepartmentKind,
    NonProsecutionKind,
    RelationKind,
    RelationOtherKind,
    StaffChangeKind,
    StaffPosition,
    UnitLevel,
)
from lianjian.org.models import Staff, Unit
from lianjian.org.selectors import staff_visible_to, units_power_manageable_by

SMALL = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}
DATE = {"class": "form-control form-control-sm", "type": "date"}


def _choices(choices: list[tuple[str, str]], blank: str = "全部") -> list[tuple[str, str]]:
    return [("", blank), *choices]


def _text(label: str, placeholder: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={**SMALL, "placeholder": placeholder}),
    )


def _select(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=False, choices=_choices(choices), widget=forms.Select(attrs=SMALL_SELECT)
    )


class UnitFilterForm(forms.Form):
    text = _text("单位名称/编码")
    level = _select("层级", UnitLevel.choices)


class DepartmentFilterForm(forms.Form):
    text = _text("部门名称/编码")
    kind = _select("部门类别", DepartmentKind.choices)


class StaffFilterForm(forms.Form):
    text = _text("姓名/工号")
    position = _select("职务", StaffPosition.choices)
    quota = _select("员额检察官", [("yes", "是"), ("no", "否")])
    active = forms.BooleanField(
        label="今日在职", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def quota_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("quota") or "")


class StaffChangeFilterForm(forms.Form):
    text = _text("姓名/工号")
    change = _select("变动类型", StaffChangeKind.choices)
    since = forms.DateField(label="生效日期起", required=False, widget=forms.DateInput(attrs=DATE))
    until = forms.DateField(label="生效日期止", required=False, widget=forms.DateInput(attrs=DATE))


class PowerFilterForm(forms.Form):
    decision = _select("决定类型", Decision.choices)


class RelationFilterForm(forms.Form):
    text = _text("人员/对方姓名或标识")
    relation = _select("关系", RelationKind.choices)
    other_kind = _select("对方类别", RelationOtherKind.choices)


class LawyerFilterForm(forms.Form):
    text = _text("姓名/执业证号")
    firm = _text("律师事务所")
    former_staff = forms.BooleanField(
        label="仅原检察人员", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )


class PowerCheckForm(forms.Form):
    """权力核验: may this person take this decision on this day? (prefixed ``check-`` in the URL)."""

    staff_no = forms.CharField(label="人员工号", max_length=32, widget=forms.TextInput(attrs=SMALL))
    decision = forms.ChoiceField(
        label="决定类型", choices=Decision.choices, widget=forms.Select(attrs=SMALL_SELECT)
    )
    kind = forms.ChoiceField(
        label="不起诉类别",
        required=False,
        choices=_choices(NonProsecutionKind.choices, "不限"),
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs=DATE))

    prefix = "check"

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.staff: Staff | None = None

    def clean_staff_no(self) -> str:
        staff_no: str = self.cleaned_data["staff_no"].strip()
        # Only staff the user may see: an unknown and a forbidden 工号 read the same.
        self.staff = staff_visible_to(self.user).filter(staff_no=staff_no).first()
        if self.staff is None:
            raise forms.ValidationError("未找到该工号的人员，或您无权查看")
        return staff_no


class PowerRuleForm(forms.Form):
    """A local line of a unit's power list (only units within the user's 权力清单维护 scope)."""

    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.none(),
        to_field_name="code",
        empty_label="请选择单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    decision = forms.ChoiceField(
        label="决定类型", choices=Decision.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label="不起诉类别",
        required=False,
        choices=_choices(NonProsecutionKind.choices, "不限（全部类别）"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    effective_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"class": "form-control", "type": "date"})
    )
    positions = forms.MultipleChoiceField(
        label="有权职务",
        choices=StaffPosition.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个有权职务"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units_power_manageable_by(user).order_by("path")
        self.initial.setdefault("effective_from", date.today())


class RelationForm(forms.Form):
    """An entry of the relationship register."""

    staff_no = forms.CharField(
        label="人员工号", max_length=32, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    relation = forms.ChoiceField(
        label="关系", choices=RelationKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    other_kind = forms.ChoiceField(
        label="对方类别",
        choices=RelationOtherKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    other = forms.CharField(
        label="对方标识",
        max_length=64,
        help_text="律师填执业证号，本系统人员填工号，其他人员填身份标识",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    other_name = forms.CharField(
        label="对方姓名",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.staff: Staff | None = None

    def clean_staff_no(self) -> str:
        staff_no: str = self.cleaned_data["staff_no"].strip()
        self.staff = staff_visible_to(self.user).filter(staff_no=staff_no).first()
        if self.staff is None:
            raise forms.ValidationError("未找到该工号的人员，或您无权查看")
        return staff_no
