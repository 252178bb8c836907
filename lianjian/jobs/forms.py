"""The filter form of the job-run page."""

from __future__ import annotations

from typing import Any

from django import forms

from lianjian.jobs.choices import JobRunState
from lianjian.jobs.schedule import JOBS

_SELECT = {"class": "form-select form-select-sm"}


class JobRunFilterForm(forms.Form):
    job = forms.ChoiceField(
        label="任务",
        required=False,
        choices=[("", "全部"), *((job.name, f"{job.title}（{job.name}）") for job in JOBS.values())],
        widget=forms.Select(_SELECT),
        error_messages={"invalid_choice": "没有这个任务"},
    )
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *JobRunState.choices],
        widget=forms.Select(_SELECT),
        error_messages={"invalid_choice": "没有这个状态"},
    )

    def filters(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value}
