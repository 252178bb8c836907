"""Issue 6 §7: after the register's whole flow — a record linked to a case with an attachment, its
correction, the GX05 and clue alerts, the urgent notice and its routing, a read request, a clue
taken, disposed and closed with its notice, a periodic report — the database holds no plaintext
content, intervener name, attachment name, clue summary or outcome (SQLite: the database image;
both databases: every row of every table)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lianjian.audit.models import AuditEvent
from lianjian.interference import clues
from lianjian.interference.models import Record
from lianjian.interference.services import Upload, read_request_create, record_correct
from lianjian.interference.tests.builders import (
    SECRET_CONTENT,
    SECRET_NAME,
    leader_of,
    make_record,
    record_input,
)
from lianjian.notify.models import Notification
from lianjian.risk.models import Alert
from lianjian.risk.routing import alerts_route
from lianjian.risk.tests.workflow import case_of

pytestmark = pytest.mark.django_db(transaction=True)

FILE_NAME = "区长来函扫描件.pdf"
CLUE_SUMMARY = "反映副区长多次打招呼要求不批捕"
CLUE_OUTCOME = "经初步核实，副区长请托说情属实，移送党委"
SECRETS = (SECRET_NAME, SECRET_CONTENT, FILE_NAME, CLUE_SUMMARY, CLUE_OUTCOME, "更正后的请托内容")


def _rows_text() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("utf-8", "replace"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_the_whole_flow_leaves_no_plaintext(org, city_supervisor, discipline_inspector) -> None:
    from lianjian.risk.services import risk_catalogue_install

    risk_catalogue_install()
    case = case_of(org)
    record = make_record(
        org.prosecutor,
        case_no=case.case_no,
        affected_case=True,
        uploads=[Upload(FILE_NAME, SECRET_CONTENT.encode())],
    )
    record = record_correct(
        record=record,
        recorder=org.prosecutor,
        data=record_input(case_no=case.case_no, affected_case=True, content="更正后的请托内容"),
        reason="补充",
        actor=None,
    )
    alerts_route()
    deputy = leader_of(org.county)
    now = timezone.now()
    read_request_create(
        requester=deputy, record=record, reason="核查", window_start=now, window_end=now + timedelta(days=1)
    )
    clue = clues.clue_take(actor=discipline_inspector, source="RECORD", record=record, summary=CLUE_SUMMARY)
    clue = clues.clue_dispose(
        actor=discipline_inspector, clue=clue, disposal="PRELIMINARY_CHECK", note="核实"
    )
    clue = clues.clue_close(actor=discipline_inspector, clue=clue, outcome=CLUE_OUTCOME)

    # The flow did what it says: alerts for 检务督察, notifications, audit rows, a clue.
    assert Alert.objects.filter(rule__code="R-GX05-RECORD", case_no=case.case_no).exists()
    assert Notification.objects.filter(user=city_supervisor).exists()
    assert AuditEvent.objects.filter(action__startswith="interference.").count() >= 4
    assert Record.objects.get().version == 2

    text = _rows_text()
    assert org.prosecutor.name in text  # plain text is found where it is stored
    for secret in SECRETS:
        assert secret not in text, secret
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        image = connection.connection.serialize()
        for secret in SECRETS:
            for encoding in ("utf-8", "utf-16-le", "gb18030"):
                assert secret.encode(encoding) not in image, (secret, encoding)
