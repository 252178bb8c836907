"""Routing alerts to their rule's recipients, resolved from the organisation (issue 5 §2).

The personas of the root conftest, plus a 院领导 and a 案件管理 of their own: alerts are built on
A100's case in county 620102 (criminal department D2, head A101).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.common.tests.locking import locked_elsewhere
from lianjian.notify.models import Delivery, Notification, WebhookEndpoint
from lianjian.notify.services import webhook_endpoint_create
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk import disposal, routing
from lianjian.risk.choices import AlertLevel, AlertStatus, Recipient
from lianjian.risk.models import Alert
from lianjian.risk.selectors import alert_in_scope, alerts_visible_to
from lianjian.risk.tests.workflow import RAISED, alert_on, case_of, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(org: Any) -> Any:
    """副检察长 of county 620102 holding 院领导 over the county."""
    staff = StaffFactory(
        staff_no="L01", name="林副", unit=org.county, department=None, position="DEPUTY_CHIEF"
    )
    user: Any = UserFactory(username="leader", display_name="林副", staff=staff)
    grant(user, "LEADER", "UNIT", unit=org.county)
    return user


@pytest.fixture
def case_manager(org: Any) -> Any:
    """案件管理 of city 620100 and below."""
    user: Any = UserFactory(username="casemgmt", display_name="案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.city)
    return user


@pytest.fixture
def everyone(
    county_prosecutor: Any,
    department_head: Any,
    city_supervisor: Any,
    discipline_inspector: Any,
    outsider: Any,
    leader: Any,
    case_manager: Any,
) -> dict[str, Any]:
    return {
        "county_prosecutor": county_prosecutor,
        "department_head": department_head,
        "city_supervisor": city_supervisor,
        "discipline_inspector": discipline_inspector,
        "outsider": outsider,
        "leader": leader,
        "case_manager": case_manager,
    }


def names(users: list[Any]) -> set[str]:
    return {u.username for u in users}


def alert_with(org: Any, recipients: list[str], **kwargs: Any) -> Alert:
    of_rule = rule(code="R-ROUTE")
    of_rule.recipients = recipients
    of_rule.save()
    return alert_on(case_of(org), of_rule=of_rule, **kwargs)


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        (Recipient.HANDLER, {"prosecutor"}),
        (Recipient.DEPT_HEAD, {"head"}),
        (Recipient.LEADER, {"leader"}),
        (Recipient.CASE_MANAGEMENT, {"casemgmt"}),
        (Recipient.INSPECTION, {"city_inspector"}),
        (Recipient.DISCIPLINE, {"discipline"}),
    ],
)
def test_each_recipient_kind_resolves_from_the_organisation(org, everyone, recipient, expected) -> None:
    alert = alert_with(org, [recipient])

    assert names(routing.resolve_recipients(alert)) == expected


def test_users_outside_the_alert_are_never_resolved(org, everyone) -> None:
    # Given holders of every role elsewhere: another city's inspection, county B's discipline and
    # leader, and a department head by post whose account sees only their own data.
    other_inspection: Any = UserFactory(username="other_insp")
    grant(other_inspection, "INSPECTION", "UNIT_AND_BELOW", unit=org.other_city)
    county_b_discipline: Any = UserFactory(username="b_discipline")
    grant(county_b_discipline, "DISCIPLINE", "UNIT", unit=org.county_b)
    county_b_leader: Any = UserFactory(
        username="b_leader", staff=StaffFactory(staff_no="LB1", unit=org.county_b, department=None)
    )
    grant(county_b_leader, "LEADER", "UNIT", unit=org.county_b)
    second_head: Any = UserFactory(
        username="second_head",
        staff=StaffFactory(staff_no="A109", department=org.criminal, position="DEPT_HEAD"),
    )
    grant(second_head, "PROSECUTOR", "SELF")
    alert = alert_with(org, list(Recipient))

    resolved = names(routing.resolve_recipients(alert))

    assert resolved == {"prosecutor", "head", "leader", "casemgmt", "city_inspector", "discipline"}


def test_an_inactive_user_is_not_resolved(org, everyone) -> None:
    everyone["department_head"].is_active = False
    everyone["department_head"].save()

    assert names(routing.resolve_recipients(alert_with(org, [Recipient.DEPT_HEAD]))) == set()


def test_the_departments_named_leader_is_the_only_leader_told(org, everyone) -> None:
    other: Any = UserFactory(
        username="leader2", staff=StaffFactory(staff_no="L02", unit=org.county, department=None)
    )
    grant(other, "LEADER", "UNIT", unit=org.county)
    alert = alert_with(org, [Recipient.LEADER])
    assert names(routing.resolve_recipients(alert)) == {"leader", "leader2"}

    org.criminal.extra = {"leader": "L02"}
    org.criminal.save()

    assert names(routing.resolve_recipients(alert)) == {"leader2"}


def test_an_alert_about_a_person_goes_to_them_and_their_department_head(org, everyone) -> None:
    of_rule = rule(code="R-PERSON")
    of_rule.recipients = [Recipient.HANDLER, Recipient.DEPT_HEAD]
    of_rule.save()
    alert = alert_on(None, subject=org.prosecutor, of_rule=of_rule)

    assert names(routing.resolve_recipients(alert)) == {"prosecutor", "head"}


def test_the_python_scope_test_agrees_with_alerts_visible_to(org, everyone) -> None:
    alerts = [
        alert_on(case_of(org)),
        alert_on(case_of(org, prosecutor=org.colleague)),
        alert_on(case_of(org, prosecutor=org.county_b_prosecutor)),
        alert_on(case_of(org, prosecutor=org.outsider_staff)),
        alert_on(None, subject=org.prosecutor),
        alert_on(None, subject=org.outsider_staff),
    ]
    loaded = list(routing._alerts(Alert.objects.filter(pk__in=[a.pk for a in alerts])))
    for user in everyone.values():
        visible = set(alerts_visible_to(user).values_list("pk", flat=True))
        scope = user.scope("alert.view")
        assert {a.pk for a in loaded if alert_in_scope(a, scope)} == visible, user.username
        assert visible  # every persona sees at least one of them, so the comparison means something


def test_routing_notifies_once_and_records_the_count(org, everyone) -> None:
    everyone["department_head"].email = "head@example.cn"
    everyone["department_head"].save()
    alert = alert_with(org, [Recipient.HANDLER, Recipient.DEPT_HEAD])

    result = routing.alerts_route(now=RAISED)

    assert result == {"routed": 1, "notifications": 2, "unreachable": 0}
    alert.refresh_from_db()
    assert (alert.routed_at, alert.routed_count) == (RAISED, 2)
    rows = Notification.objects.filter(key=f"alert:{alert.pk}:raised").order_by("user__username")
    assert [(n.user.username, n.kind, n.url) for n in rows] == [
        ("head", "ALERT_RAISED", f"/risk/alerts/{alert.pk}/"),
        ("prosecutor", "ALERT_RAISED", f"/risk/alerts/{alert.pk}/"),
    ]
    assert rows[0].title == "提示：上级院对案件作出指令"
    assert AuditEvent.objects.filter(action="risk.alert.route", target_id=str(alert.pk)).count() == 1

    # A second pass routes nothing; re-routing the same alert tells nobody twice.
    assert routing.alerts_route(now=RAISED) == {"routed": 0, "notifications": 0, "unreachable": 0}
    Alert.objects.filter(pk=alert.pk).update(routed_at=None)
    assert routing.alerts_route(now=RAISED) == {"routed": 1, "notifications": 0, "unreachable": 0}
    assert Notification.objects.count() == 2


def test_email_deliveries_only_when_smtp_is_configured(org, everyone, settings) -> None:
    everyone["county_prosecutor"].email = "heping@example.cn"
    everyone["county_prosecutor"].save()
    alert_with(org, [Recipient.HANDLER, Recipient.DEPT_HEAD])
    settings.LIANJIAN_SMTP_HOST = "smtp.intranet"

    routing.alerts_route(now=RAISED)

    assert list(Delivery.objects.values_list("channel", "target", "state")) == [
        ("EMAIL", "heping@example.cn", "PENDING")
    ]


def test_no_resolvable_recipient_is_recorded_and_shown(org, everyone, client) -> None:
    alert = alert_with(org, [Recipient.HANDLER], subject=None)
    # The case's prosecutor has no account: nobody to tell.
    case: Any = alert.case
    case.prosecutor = org.colleague
    case.save()

    assert routing.alerts_route(now=RAISED) == {"routed": 1, "notifications": 0, "unreachable": 1}
    alert.refresh_from_db()
    assert (alert.routed_at, alert.routed_count) == (RAISED, 0)
    client.force_login(everyone["department_head"])
    page = client.get(f"/risk/alerts/{alert.pk}/").content.decode()
    assert "无可送达接收人" in page


def test_resolved_alerts_are_not_routed(org, everyone) -> None:
    alert_with(org, [Recipient.HANDLER], status=AlertStatus.RESOLVED)

    assert routing.alerts_route(now=RAISED)["routed"] == 0
    assert Notification.objects.count() == 0


def test_webhook_payload_carries_only_identifiers_and_the_headline(org, everyone) -> None:
    webhook_endpoint_create(actor=None, name="督察系统", url="http://10.0.0.8/hook")
    disabled, _ = webhook_endpoint_create(actor=None, name="停用的", url="http://10.0.0.9/hook")
    WebhookEndpoint.objects.filter(pk=disabled.pk).update(is_enabled=False)
    alert = alert_with(org, [Recipient.HANDLER])

    routing.alerts_route(now=RAISED)

    delivery = Delivery.objects.get(channel="WEBHOOK")
    assert delivery.target == "http://10.0.0.8/hook"
    assert delivery.payload == {
        "event": "alert.raised",
        "alert_id": alert.pk,
        "rule": "R-ROUTE",
        "level": "NOTICE",
        "level_label": "提示",
        "title": "上级院对案件作出指令",
        "unit": "620102",
        "unit_name": "兰州市城关区人民检察院",
        "url": f"/risk/alerts/{alert.pk}/",
    }


def test_routing_takes_the_same_queries_for_three_alerts_or_thirty(org, everyone) -> None:
    def queries_for(n: int) -> int:
        for _ in range(n):
            alert_with(org, [Recipient.HANDLER, Recipient.DEPT_HEAD, Recipient.INSPECTION])
        with CaptureQueriesContext(connection) as ctx:
            routing.alerts_route(now=RAISED)
        return len(ctx.captured_queries)

    queries_for(1)  # the first write of the audit chain in a test creates its head
    assert queries_for(3) == queries_for(30)
    assert Notification.objects.count() == 34 * 3


def test_escalation_tells_the_next_recipient(org, everyone) -> None:
    alert = alert_with(org, [Recipient.HANDLER])
    routing.alerts_route(now=RAISED)
    assert names([n.user for n in Notification.objects.all()]) == {"prosecutor"}

    # 提示 → 预警 (overdue unsigned after three working days): the department head is told.
    disposal.alerts_escalate(now=RAISED.replace(day=11))
    escalated = Notification.objects.filter(kind="ALERT_ESCALATED")
    assert [(n.user.username, n.key, n.title) for n in escalated] == [
        ("head", f"alert:{alert.pk}:escalated:WARNING", "预警升级为预警：上级院对案件作出指令")
    ]

    # 预警 → 督办: the leader and inspection are told; nobody is told twice.
    result = disposal.alerts_escalate(now=RAISED.replace(day=16))
    assert result.escalated == {alert.pk: AlertLevel.SUPERVISED}
    assert names([n.user for n in escalated.filter(key__endswith="SUPERVISED")]) == {
        "leader",
        "city_inspector",
    }
    assert Notification.objects.count() == 4
    disposal.alerts_escalate(now=RAISED.replace(day=16))
    assert Notification.objects.count() == 4

    # 督办 and still unsigned past its deadline: a daily reminder, once a day.
    result = disposal.alerts_escalate(now=RAISED.replace(day=18))
    assert result.overdue_at_top == (alert.pk,)
    reminders = Notification.objects.filter(kind="ALERT_OVERDUE")
    assert names([n.user for n in reminders]) == {"prosecutor", "head", "leader", "city_inspector"}
    assert {n.key for n in reminders} == {f"alert:{alert.pk}:overdue:2026-12-18"}
    disposal.alerts_escalate(now=RAISED.replace(day=18, hour=15))
    assert Notification.objects.filter(kind="ALERT_OVERDUE").count() == 4
    disposal.alerts_escalate(now=RAISED.replace(day=21))
    assert Notification.objects.filter(kind="ALERT_OVERDUE").count() == 8


def test_a_scan_routes_its_new_alerts_after_commit(org, django_capture_on_commit_callbacks) -> None:
    from lianjian.risk.engine import scan_run
    from lianjian.risk.services import risk_catalogue_install
    from lianjian.risk.tests.builders import AS_OF, assigned, case_no, ev, load, organisation, received

    risk_catalogue_install()
    case = case_no()
    load(
        organisation(
            received(case, "2026-03-02"),
            assigned(case, "2026-03-02"),
            ev(case, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
        )
    )
    from lianjian.org.models import Staff

    user: Any = UserFactory(username="a100", staff=Staff.objects.get(staff_no="A100"))
    grant(user, "PROSECUTOR", "SELF")
    from lianjian.risk.models import Rule

    Rule.objects.filter(code="R-GX01").update(recipients=["HANDLER"])

    with django_capture_on_commit_callbacks(execute=True):
        scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])

    alert = Alert.objects.get(rule__code="R-GX01")
    assert alert.routed_count == 1
    assert list(Notification.objects.values_list("user__username", "key")) == [
        ("a100", f"alert:{alert.pk}:raised")
    ]


def test_a_failing_route_never_fails_the_scan(
    org, monkeypatch, caplog, django_capture_on_commit_callbacks
) -> None:
    from lianjian.risk.engine import scan_run
    from lianjian.risk.services import risk_catalogue_install
    from lianjian.risk.tests.builders import AS_OF, assigned, case_no, ev, load, organisation, received

    risk_catalogue_install()
    case = case_no()
    load(
        organisation(
            received(case, "2026-03-02"),
            assigned(case, "2026-03-02"),
            ev(case, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
        )
    )

    def broken(**kwargs: Any) -> dict[str, int]:
        raise RuntimeError("数据库断开")

    monkeypatch.setattr(routing, "alerts_route", broken)
    with (
        caplog.at_level(logging.ERROR, logger="lianjian.risk.routing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])

    assert report.totals()["new"] == 1
    assert Alert.objects.get(rule__code="R-GX01").routed_at is None
    assert "扫描后的预警送达失败" in caplog.text


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SKIP LOCKED is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_an_alert_locked_by_another_router_is_skipped_then_routed(org, everyone) -> None:

    first, *others = [alert_with(org, [Recipient.HANDLER]) for _ in range(3)]
    with locked_elsewhere(Alert.objects.filter(pk=first.pk)):
        result = routing.alerts_route(now=RAISED)

    assert result["routed"] == 2
    assert set(Alert.objects.filter(routed_at__isnull=False).values_list("pk", flat=True)) == {
        a.pk for a in others
    }
    assert routing.alerts_route(now=RAISED)["routed"] == 1
    assert Notification.objects.count() == 3
