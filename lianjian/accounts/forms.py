"""Forms of the accounts pages: parsing only; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms

from lianjian.accounts.choices import DataScope, LoginOutcome, Role
from lianjian.org.models import Department, Unit

_INPUT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={**_INPUT, "autofocus": True})
    )
    password = forms.CharField(
        label="密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )
    new_password = forms.CharField(
        label="新密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )
    new_password_again = forms.CharField(
        label="确认新密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "两次输入的新密码不一致")
        return data


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(
        label="新密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )
    new_password_again = forms.CharField(
        label="确认新密码", max_length=128, strip=False, widget=forms.PasswordInput(attrs=_INPUT)
    )
    must_change = forms.BooleanField(label="下次登录须修改密码", required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "两次输入的新密码不一致")
        return data


class UserCreateForm(PasswordResetForm):
    username = forms.CharField(label="用户名", max_length=50, widget=forms.TextInput(attrs=_INPUT))
    display_name = forms.CharField(label="显示名称", max_length=50, widget=forms.TextInput(attrs=_INPUT))
    staff_no = forms.CharField(
        label="对应人员工号",
        max_length=32,
        required=False,
        help_text="业务用户请填写工号；管理员账号可不填",
        widget=forms.TextInput(attrs=_INPUT),
    )
    email = forms.CharField(
        label="电子邮箱",
        max_length=254,
        required=False,
        help_text="接收预警邮件；不填则只有站内消息",
        widget=forms.TextInput(attrs=_INPUT),
    )
    field_order = [
        "username",
        "display_name",
        "staff_no",
        "email",
        "new_password",
        "new_password_again",
        "must_change",
    ]


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名/姓名", required=False, widget=forms.TextInput(attrs=_INPUT))
    active = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("1", "启用"), ("0", "停用")],
        widget=forms.Select(attrs=_SELECT),
    )


class GrantFilterForm(forms.Form):
    q = forms.CharField(label="用户名/姓名", required=False, widget=forms.TextInput(attrs=_INPUT))
    role = forms.ChoiceField(
        label="角色",
        required=False,
        choices=[("", "全部"), *Role.choices],
        widget=forms.Select(attrs=_SELECT),
    )


class SessionFilterForm(forms.Form):
    q = forms.CharField(label="用户名/姓名", required=False, widget=forms.TextInput(attrs=_INPUT))


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.code}）"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.unit.name} · {obj.name}"


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices, widget=forms.Select(attrs=_SELECT))
    scope = forms.ChoiceField(label="数据范围", choices=DataScope.choices, widget=forms.Select(attrs=_SELECT))
    unit = UnitChoiceField(
        label="范围单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="（“全部”或“本人”可不选）",
        widget=forms.Select(attrs=_SELECT),
    )
    department = DepartmentChoiceField(
        label="范围部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（仅“本部门”需选择）",
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, units: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units
        department_field: Any = self.fields["department"]
        department_field.queryset = departments


class LoginLogFilterForm(forms.Form):
    username = forms.CharField(label="用户名", required=False, widget=forms.TextInput(attrs=_INPUT))
    outcome = forms.ChoiceField(
        label="结果",
        required=False,
        choices=[("", "全部"), *LoginOutcome.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={**_INPUT, "type": "date"})
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={**_INPUT, "type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.code}）"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=100,
        help_text="对接系统的名称，如“统一业务应用系统（兰州市）”；导入批次以“API:名称”记录来源",
        widget=forms.TextInput(attrs=_INPUT),
    )
    units = UnitMultipleChoiceField(
        label="授权单位（含下级）",
        queryset=Unit.objects.none(),
        help_text="令牌只能写入、读取这些单位及其下级单位的数据",
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 8}),
    )
    expires_on = forms.DateField(
        label="有效期至",
        required=False,
        help_text="含当日；留空表示长期有效（可随时撤销）",
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["units"]
        unit_field.queryset = units


class ApiTokenFilterForm(forms.Form):
    q = forms.CharField(label="名称/前缀", required=False, widget=forms.TextInput(attrs=_INPUT))
    active = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("1", "有效"), ("0", "已撤销")],
        widget=forms.Select(attrs=_SELECT),
    )
