"""The role × data-scope matrix over every view and API endpoint (issue 2 §7).

Every URL pattern of the project must appear in :data:`PAGES`, :data:`ACTIONS` or
:data:`PUBLIC`, so a new view cannot ship without its row here. For each persona a page answers
200 inside the scope, 404 for an object outside it (the same answer as for an absent object),
403 without the permission, and a login redirect to anonymous users; a refused action changes
nothing and writes no audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lianjian.accounts.api_tokens import api_token_create
from lianjian.accounts.models import ApiToken
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.audit.services import audit_record
from lianjian.org.models import PowerRule, Relation, Staff, Unit

PERSONAS = [
    "county_prosecutor",
    "department_head",
    "city_supervisor",
    "discipline_inspector",
    "outsider",
    "case_manager",
    "political_officer",
    "system_admin",
    "security_admin",
    "audit_admin",
]
ORG_VIEWERS = {
    "county_prosecutor",
    "department_head",
    "city_supervisor",
    "discipline_inspector",
    "outsider",
    "case_manager",
    "political_officer",
}
RELATION_VIEWERS = {"department_head", "city_supervisor", "discipline_inspector", "political_officer"}
POWER_MANAGERS = {"case_manager"}
RELATION_MANAGERS = {"political_officer"}
IMPORTERS = {"case_manager", "political_officer"}


@pytest.fixture
def case_manager(org: Any) -> Any:
    """案件管理 of city 620100 and below."""
    user = UserFactory(username="casemgmt", display_name="案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.city)
    return user


@pytest.fixture
def political_officer(org: Any) -> Any:
    """政治部 of county 620102."""
    user = UserFactory(username="political", display_name="政工")
    grant(user, "POLITICAL", "UNIT", unit=org.county)
    return user


def everyone_but(*allowed: str, denied: int = 403) -> dict[str, int]:
    return {p: (200 if p in allowed else denied) for p in PERSONAS}


# name → (args builder, expected status per persona)
Args = Callable[[Any, dict[str, Any]], list[Any]]
NO_ARGS: Args = lambda org, users: []  # noqa: E731


def _in_scope(statuses: dict[str, int], out_of_scope: set[str]) -> dict[str, int]:
    return {p: (404 if p in out_of_scope and s == 200 else s) for p, s in statuses.items()}


PAGES: dict[str, tuple[Args, dict[str, int]]] = {
    "dashboard:home": (NO_ARGS, {p: 200 for p in PERSONAS}),
    "accounts:password_change": (NO_ARGS, {p: 200 for p in PERSONAS}),
    "org:unit_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:department_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:staff_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:staff_change_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:power_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:lawyer_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:relation_list": (NO_ARGS, everyone_but(*RELATION_VIEWERS)),
    "org:power_rule_create": (NO_ARGS, everyone_but(*POWER_MANAGERS)),
    "org:relation_create": (NO_ARGS, everyone_but(*RELATION_MANAGERS)),
    # County 620102's unit, its criminal department, and its prosecutor A100.
    "org:unit_detail": (
        lambda org, users: [org.county.code],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "org:department_detail": (
        lambda org, users: [org.criminal.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "org:staff_detail": (
        lambda org, users: [org.prosecutor.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "accounts:user_list": (NO_ARGS, everyone_but("system_admin")),
    "accounts:user_create": (NO_ARGS, everyone_but("system_admin")),
    "accounts:user_detail": (
        lambda org, users: [users["county_prosecutor"].pk],
        everyone_but("system_admin"),
    ),
    "accounts:grant_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:grant_detail": (
        lambda org, users: [users["county_prosecutor"].pk],
        everyone_but("security_admin"),
    ),
    "accounts:session_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:api_token_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:api_token_create": (NO_ARGS, everyone_but("security_admin")),
    "accounts:login_log": (NO_ARGS, everyone_but("audit_admin")),
    "audit:event_list": (NO_ARGS, everyone_but("audit_admin")),
    "audit:event_detail": (lambda org, users: [users["_event"].pk], everyone_but("audit_admin")),
    "ingest:batch_list": (NO_ARGS, everyone_but(*IMPORTERS)),
    "ingest:batch_upload": (NO_ARGS, everyone_but(*IMPORTERS)),
    "ingest:template_download": (lambda org, users: ["staff"], everyone_but(*IMPORTERS)),
    # A batch run by the case manager: visible to its author only (no persona has scope ALL of 导入).
    "ingest:batch_detail": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
    "ingest:batch_errors_xlsx": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
    "ingest:batch_errors_csv": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
}

# Data scope beyond the first column: objects of another county or city.
SCOPED_OBJECT_PAGES: list[tuple[str, Args, dict[str, int]]] = [
    # Staff B200 of county 620103 (same city): only the city supervisor and the city's case manager.
    (
        "org:staff_detail",
        lambda org, users: [org.county_b_prosecutor.pk],
        _in_scope(
            everyone_but(*ORG_VIEWERS),
            {"county_prosecutor", "department_head", "discipline_inspector", "outsider", "political_officer"},
        ),
    ),
    # Staff C300 of the other city's county: only its own prosecutor (unit scope there).
    (
        "org:staff_detail",
        lambda org, users: [org.outsider_staff.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), ORG_VIEWERS - {"outsider"}),
    ),
    (
        "org:unit_detail",
        lambda org, users: [org.other_county.code],
        _in_scope(everyone_but(*ORG_VIEWERS), ORG_VIEWERS - {"outsider"}),
    ),
    # A user of the other city is outside the city security administrator's scope.
    (
        "accounts:grant_detail",
        lambda org, users: [users["outsider"].pk],
        {**everyone_but(), "security_admin": 404},
    ),
]

# POST endpoints: who may, and a builder of (args, data, probe) where probe() reads the state
# that a refused request must leave unchanged.
Probe = Callable[[], Any]
ActionBuilder = Callable[[Any, dict[str, Any]], tuple[list[Any], dict[str, Any], Probe]]


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = '{"record": "unit", "code": "620105", "name": "新院", "level": "COUNTY", "parent": "620100"}\n'
    return SimpleUploadedFile("units.jsonl", line.encode(), content_type="application/jsonl")


def _user_active(users: dict[str, Any]) -> Probe:
    user = users["county_prosecutor"]
    return lambda: type(user).objects.filter(pk=user.pk).values_list("is_active", "password").get()


ACTIONS: dict[str, tuple[set[str], ActionBuilder]] = {
    "audit:chain_verify": ({"audit_admin"}, lambda org, users: ([], {}, lambda: AuditEvent.objects.count())),
    "accounts:user_set_active": (
        {"system_admin"},
        lambda org, users: ([users["county_prosecutor"].pk], {"is_active": "0"}, _user_active(users)),
    ),
    "accounts:user_password_reset": (
        {"system_admin"},
        lambda org, users: (
            [users["county_prosecutor"].pk],
            {"new_password1": "Reset#2026x", "new_password2": "Reset#2026x"},
            _user_active(users),
        ),
    ),
    "accounts:grant_revoke": (
        {"security_admin"},
        lambda org, users: (
            [users["county_prosecutor"].roles.get().pk],
            {},
            lambda: list(users["county_prosecutor"].roles.values_list("pk", flat=True)),
        ),
    ),
    "accounts:api_token_create": (
        {"security_admin"},
        lambda org, users: (
            [],
            {"name": "矩阵测试系统", "units": [org.county.pk]},
            lambda: ApiToken.objects.count(),
        ),
    ),
    "accounts:api_token_revoke": (
        {"security_admin"},
        lambda org, users: (
            [users["_api_token"].pk],
            {},
            lambda: (
                ApiToken.objects.filter(pk=users["_api_token"].pk).values_list("is_active", flat=True).get()
            ),
        ),
    ),
    "accounts:session_force_logout": (
        {"security_admin"},
        lambda org, users: (
            [users["_session"].pk],
            {},
            lambda: type(users["_session"]).objects.get(pk=users["_session"].pk).ended_at,
        ),
    ),
    "ingest:batch_upload": (
        IMPORTERS,
        lambda org, users: (
            [],
            {"file": _upload()},
            lambda: (Staff.objects.count(), Unit.objects.count()),
        ),
    ),
    "org:power_rule_create": (
        POWER_MANAGERS,
        lambda org, users: (
            [],
            {
                "unit": org.county.pk,
                "decision": "PROTEST",
                "effective_from": "2026-01-01",
                "positions": ["CHIEF"],
            },
            lambda: PowerRule.objects.count(),
        ),
    ),
    "org:relation_create": (
        RELATION_MANAGERS,
        lambda org, users: (
            [],
            {
                "staff_no": "A100",
                "other_kind": "PERSON",
                "other": "P-1",
                "other_name": "某某",
                "relation": "SPOUSE",
            },
            lambda: Relation.objects.count(),
        ),
    ),
}

# The token API: integrating systems authenticate with an API token, never with a session
# (lianjian/ingest/tests/test_api.py covers tokens, units and limits).
TOKEN_API = {"api:records": "post", "api:case_detail": "get"}

# Reachable without the matrix: the login page, logout, the API's own documentation and health.
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:health",
}


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_is_in_the_matrix() -> None:
    covered = (
        set(PAGES) | set(ACTIONS) | PUBLIC | set(TOKEN_API) | {name for name, _, _ in SCOPED_OBJECT_PAGES}
    )
    assert _all_url_names() - covered == set()


@pytest.fixture
def users(request: Any, org: Any, client: Any) -> dict[str, Any]:
    found = {name: request.getfixturevalue(name) for name in PERSONAS}
    found["_event"] = audit_record(actor=None, action="test.matrix", target_type="test", target_id="1")
    from django.utils import timezone

    from lianjian.accounts.models import UserSession

    now = timezone.now()
    from lianjian.ingest.services import import_batch_run

    found["_batch"] = import_batch_run(
        actor=found["case_manager"],
        source_name="matrix.jsonl",
        lines_or_reader=[
            '{"record": "unit", "code": "620104", "name": "测试院", "level": "COUNTY", "parent": "620100"}'
        ],
    ).batch
    found["_api_token"] = api_token_create(
        actor=found["security_admin"], name="矩阵令牌", units=[org.county]
    )[0]
    found["_session"] = UserSession.objects.create(
        user=found["county_prosecutor"], session_key="matrix-session", started_at=now, last_seen_at=now
    )
    return found


def _cases() -> list[tuple[str, str, int, int]]:
    cases = []
    for name, (_, expected) in PAGES.items():
        for persona, status in expected.items():
            cases.append((name, persona, status, -1))
    for index, (name, _, expected) in enumerate(SCOPED_OBJECT_PAGES):
        for persona, status in expected.items():
            cases.append((name, persona, status, index))
    return cases


@pytest.mark.parametrize(("name", "persona", "status", "scoped"), _cases())
def test_page_answers_by_role_and_scope(name, persona, status, scoped, users, org, client) -> None:
    args_of = PAGES[name][0] if scoped < 0 else SCOPED_OBJECT_PAGES[scoped][1]
    url = reverse(name, args=args_of(org, users))
    client.force_login(users[persona])
    before = AuditEvent.objects.filter(action__in=["accounts.role.grant", "org.relation.create"]).count()
    response = client.get(url)
    assert response.status_code == status, f"{persona} GET {url}"
    # A GET never writes business data (reads of confidential data may add read events only).
    assert (
        AuditEvent.objects.filter(action__in=["accounts.role.grant", "org.relation.create"]).count() == before
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_login(name, users, org, client) -> None:
    url = reverse(name, args=PAGES[name][0](org, users))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("name", "persona"), [(n, p) for n, (allowed, _) in ACTIONS.items() for p in PERSONAS if p not in allowed]
)
def test_refused_action_changes_nothing_and_writes_no_audit(name, persona, users, org, client) -> None:
    args, data, probe = ACTIONS[name][1](org, users)
    client.force_login(users[persona])
    state, audit_rows, staff_rows = probe(), AuditEvent.objects.count(), Staff.objects.count()
    response = client.post(reverse(name, args=args), data)
    assert response.status_code in (403, 404), f"{persona} POST {name}"
    assert probe() == state
    assert AuditEvent.objects.count() == audit_rows
    assert Staff.objects.count() == staff_rows


def _token_api_url(name: str) -> str:
    return reverse(name, args=["C-MATRIX"] if name == "api:case_detail" else [])


@pytest.mark.parametrize(("name", "persona"), [(n, p) for n in sorted(TOKEN_API) for p in PERSONAS])
def test_token_api_refuses_a_signed_in_session(name, persona, users, org, client) -> None:
    client.force_login(users[persona])
    before = (AuditEvent.objects.count(), Unit.objects.count())
    line = '[{"record": "unit", "code": "620106", "name": "新院", "level": "COUNTY", "parent": "620100"}]'
    if TOKEN_API[name] == "post":
        response = client.post(_token_api_url(name), line, content_type="application/json")
    else:
        response = client.get(_token_api_url(name))
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
    assert (AuditEvent.objects.count(), Unit.objects.count()) == before
