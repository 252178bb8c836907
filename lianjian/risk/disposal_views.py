"""Pages of the disposal workflow (F4.5): the disposal card of the alert page, the step forms,
verification files, and the rules' disposal feedback (§4).

Kept apart from ``views.py`` (the catalogue, rules and detection pages) so that each module stays
one subject. As everywhere, an alert outside the user's 预警查看 scope is the same 404 as an
absent one; a step the user may not take is 403; an invalid step is refused with its Chinese
message; either way nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from lianjian.common.listing import Column
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.risk import disposal, ui
from lianjian.risk.choices import AlertLevel, DisposalState, DisposalStepKind
from lianjian.risk.forms import DisposalStepForm
from lianjian.risk.models import Alert, AlertAttachment, Rule
from lianjian.risk.selectors import RuleFeedback, alert_steps, alerts_visible_to, rules_feedback

DISPOSAL_BADGES: dict[str, str] = {
    DisposalState.PENDING: "text-bg-warning",
    DisposalState.SIGNED: "text-bg-primary",
    DisposalState.PROPOSED: "text-bg-info",
    DisposalState.CLOSED: "text-bg-success",
    DisposalState.TRANSFERRED: "text-bg-dark",
}

# Review steps are shown as the reviewer's; the others as the handler's.
_STEP_BUTTONS: dict[str, str] = {
    DisposalStepKind.SIGN: "btn-primary",
    DisposalStepKind.VERIFY: "btn-outline-primary",
    DisposalStepKind.PROPOSE: "btn-primary",
    DisposalStepKind.APPROVE: "btn-success",
    DisposalStepKind.RETURN: "btn-outline-warning",
    DisposalStepKind.TRANSFER: "btn-outline-danger",
    DisposalStepKind.REOPEN: "btn-outline-secondary",
}


def disposal_context(user: Any, alert: Alert) -> dict[str, Any]:
    """What the alert page shows of the disposal: the state, the current step's deadline, the
    history, and a form for exactly the steps the user may take now."""
    due_on = disposal.step_due_on(alert)
    steps = list(alert_steps(alert))
    return {
        "disposal_css": DISPOSAL_BADGES.get(alert.disposal_state, ""),
        "disposal_due_on": due_on,
        "disposal_overdue": due_on is not None and timezone.localdate() > due_on,
        "disposal_reviewer": (
            "检务督察部门" if disposal.review_perm(alert) == Perm.ALERT_SUPERVISE else "承办部门负责人"
        ),
        "disposal_steps": steps,
        "disposal_forms": [
            {"form": DisposalStepForm(step=step), "css": _STEP_BUTTONS[step], "step": step}
            for step in disposal.allowed_steps(user, alert)
        ],
    }


def _alert_url(alert: Alert) -> str:
    return reverse("risk:alert_detail", args=[alert.pk])


_SERVICES: dict[str, Callable[..., Any]] = {
    DisposalStepKind.SIGN: lambda alert, actor, data, files: disposal.alert_sign(
        alert=alert, actor=actor, note=data["note"]
    ),
    DisposalStepKind.VERIFY: lambda alert, actor, data, files: disposal.alert_verify(
        alert=alert, actor=actor, note=data["note"], files=files
    ),
    DisposalStepKind.PROPOSE: lambda alert, actor, data, files: disposal.alert_propose(
        alert=alert, actor=actor, opinion=data["opinion"], note=data["note"]
    ),
    DisposalStepKind.APPROVE: lambda alert, actor, data, files: disposal.alert_approve(
        alert=alert, actor=actor, note=data["note"]
    ),
    DisposalStepKind.RETURN: lambda alert, actor, data, files: disposal.alert_return(
        alert=alert, actor=actor, reason=data["reason"]
    ),
    DisposalStepKind.TRANSFER: lambda alert, actor, data, files: disposal.alert_transfer(
        alert=alert, actor=actor, to=data["to"], reason=data["reason"]
    ),
    DisposalStepKind.REOPEN: lambda alert, actor, data, files: disposal.alert_reopen(
        alert=alert, actor=actor, reason=data["reason"]
    ),
}


@require_perm(Perm.ALERT_HANDLE, Perm.ALERT_REVIEW, Perm.ALERT_SUPERVISE)
@require_POST
def alert_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one disposal step on an alert (plain POST with CSRF, back to the alert page)."""
    user: Any = request.user
    alert = get_object_or_404(alerts_visible_to(user), pk=pk)
    if step not in _SERVICES:
        raise Http404("未知的处置环节")
    form = DisposalStepForm(request.POST, request.FILES, step=step)
    if not form.is_valid():
        errors = "；".join(
            f"{form.fields[name].label}：{'、'.join(str(m) for m in e)}" for name, e in form.errors.items()
        )
        messages.error(request, errors)
        return redirect(_alert_url(alert))
    data = {name: form.cleaned_data.get(name) or "" for name in ("note", "reason", "opinion", "to")}
    try:
        _SERVICES[step](alert, user, data, request.FILES.getlist("attachments"))
    except disposal.DisposalForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except disposal.DisposalError as exc:
        messages.error(request, str(exc))
        return redirect(_alert_url(alert))
    messages.success(request, f"已{DisposalStepKind(step).label}")
    return redirect(_alert_url(alert))


@require_perm(Perm.ALERT_VIEW)
def alert_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A verification file, to those who see the alert; always a download, never shown inline."""
    alert = get_object_or_404(alerts_visible_to(request.user), pk=pk)
    attachment = get_object_or_404(AlertAttachment.objects.filter(step__alert=alert), pk=attachment_pk)
    try:
        content = disposal.attachment_content(attachment)
    except (OSError, disposal.DisposalError) as exc:
        raise Http404("附件不存在或已损坏") from exc
    return HttpResponse(
        content,
        content_type=attachment.content_type,
        headers={"Content-Disposition": content_disposition_header(True, attachment.name)},
    )


# --- §4 feedback ------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def feedback_rows(feedback: RuleFeedback) -> list[tuple[str, str]]:
    """The figures of one rule's feedback as label/value pairs (rule page)."""
    return [
        ("预警数", str(feedback.raised)),
        ("属实/部分属实", str(feedback.confirmed)),
        ("已纠正", str(feedback.corrected)),
        ("不属实", str(feedback.rejected)),
        ("已办结（有结论）", str(feedback.decided)),
        ("精确率（属实/部分属实 ÷ 已办结）", _percent(feedback.precision)),
        ("办结用时中位数（天）", _days(feedback.median_days_to_close)),
    ]


def rule_feedback_of(user: Any, rule: Rule) -> list[tuple[str, str]]:
    """The rule page's feedback card, over the alerts in the user's scope."""
    return feedback_rows(
        rules_feedback(alerts_visible_to(user).filter(rule=rule)).get(rule.pk, RuleFeedback())
    )


@require_perm(Perm.RISK_MANAGE)
def rule_feedback(request: HttpRequest) -> HttpResponse:
    """处置反馈: every rule's disposal outcomes within the user's scope, to tune thresholds."""
    user: Any = request.user
    figures = rules_feedback(alerts_visible_to(user))
    empty = RuleFeedback()

    def of(rule: Rule) -> RuleFeedback:
        return figures.get(rule.pk, empty)

    columns = [
        Column("规则编码", lambda r: r.code, url=lambda r: reverse("risk:rule_detail", args=[r.code])),
        Column("规则名称", lambda r: r.name),
        Column("预警等级", lambda r: AlertLevel(r.level).label),
        Column("预警数", lambda r: of(r).raised),
        Column("属实/部分属实", lambda r: of(r).confirmed),
        Column("已纠正", lambda r: of(r).corrected),
        Column("不属实", lambda r: of(r).rejected),
        Column("已办结", lambda r: of(r).decided),
        Column("精确率", lambda r: _percent(of(r).precision), testid="rule-precision"),
        Column("办结用时中位数（天）", lambda r: _days(of(r).median_days_to_close)),
    ]
    return ui.render_risk_list(
        request, title="规则处置反馈", queryset=ui.rules_visible_to(user).order_by("code"), columns=columns
    )
