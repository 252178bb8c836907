"""The register's core: sealing, append-only versions, and who reads what (policy)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from lianjian.common import sealing
from lianjian.interference import policy
from lianjian.interference.models import AppendOnlyError, RecordVersion
from lianjian.interference.services import (
    RecordError,
    Upload,
    attachment_open,
    read_request_create,
    read_request_decide,
    record_content,
    record_correct,
    rekey,
)
from lianjian.interference.tests.builders import (
    SECRET_CONTENT,
    SECRET_NAME,
    chief_of,
    leader_of,
    make_record,
    record_input,
)

pytestmark = pytest.mark.django_db


class TestSealing:
    def test_round_trip_and_binding(self) -> None:
        sealed = sealing.seal(b"abc", context="row:1")
        assert b"abc" not in sealed
        assert sealing.unseal(sealed, context="row:1") == b"abc"
        with pytest.raises(sealing.SealError):
            sealing.unseal(sealed, context="row:2")  # moved to another row

    def test_bad_key_text_is_refused_in_chinese(self) -> None:
        with pytest.raises(sealing.SealError, match="十六进制"):
            sealing.Keyring.parse("index:zz\n1:00", source="k")
        with pytest.raises(sealing.SealError, match="至少"):
            sealing.Keyring.parse("1:" + "00" * 16, source="k")

    def test_tags_ignore_spacing_but_differ_by_person(self) -> None:
        assert sealing.person_tags(name="唐 秘密") == sealing.person_tags(name="唐秘密")
        assert sealing.person_tags(name="唐秘密") != sealing.person_tags(name="唐公开")


class TestRecords:
    def test_content_is_sealed_and_opens(self, org) -> None:
        record = make_record(org.prosecutor, uploads=[Upload("函件.txt", b"letter body 12345")])
        version = RecordVersion.objects.get(record=record)
        assert SECRET_NAME.encode() not in bytes(version.sealed)
        assert record_content(record)["subject_name"] == SECRET_NAME
        assert record_content(record)["content"] == SECRET_CONTENT
        name, body = attachment_open(record.attachments.get())
        assert (name, body) == ("函件.txt", b"letter body 12345")
        assert record.no.startswith("GY")

    def test_correction_is_a_new_version(self, org) -> None:
        record = make_record(org.prosecutor)
        corrected = record_correct(
            record=record,
            recorder=org.prosecutor,
            data=record_input(content="更正后的内容", category="RC-02", violation_codes=[]),
            reason="内容记错",
            actor=None,
        )
        assert corrected.version == 2 and corrected.category == "RC-02"
        assert record_content(corrected, 1)["content"] == SECRET_CONTENT
        assert record_content(corrected)["content"] == "更正后的内容"
        assert record_content(corrected)["correction_reason"] == "内容记错"

    def test_only_the_recorder_corrects(self, org) -> None:
        record = make_record(org.prosecutor)
        with pytest.raises(RecordError, match="记录人本人"):
            record_correct(record=record, recorder=org.colleague, data=record_input(), reason="x", actor=None)

    def test_versions_cannot_change_or_go(self, org) -> None:
        version = RecordVersion.objects.get(record=make_record(org.prosecutor))
        with pytest.raises(AppendOnlyError):
            version.save()
        with pytest.raises(AppendOnlyError):
            version.delete()

    def test_inconsistent_input_is_refused(self) -> None:
        with pytest.raises(ValueError, match="不符"):
            record_input(subject_type="PARTY", violation_codes=["LD-VIO-01"])
        with pytest.raises(ValueError, match="涉及案件"):
            record_input(matter_ref="")

    def test_late_contact_outside_work_is_flagged(self, org) -> None:
        late = make_record(
            org.prosecutor,
            subject_type="PARTY",
            violation_codes=[],
            category="RC-05",
            in_workplace=False,
            occurred_at=timezone.now() - timedelta(days=4),
        )
        prompt = make_record(
            org.prosecutor, subject_type="PARTY", violation_codes=[], category="RC-05", in_hours=False
        )
        assert late.reported_late and not prompt.reported_late

    def test_rekey_moves_every_value_to_the_new_key(self, org) -> None:
        record = make_record(org.prosecutor, uploads=[Upload("a.txt", b"x")])
        keys = "index:000102030405060708090a0b0c0d0e0f;1:101112131415161718191a1b1c1d1e1f;2:" + "22" * 16
        with override_settings(LIANJIAN_SEAL_KEYS=keys):
            assert rekey() == {"versions": 1, "attachments": 1}
            version = RecordVersion.objects.get(record=record)
            assert sealing.sealed_key_id(version.sealed) == 2
            assert record_content(record)["subject_name"] == SECRET_NAME
            assert rekey() == {"versions": 0, "attachments": 0}


def test_the_database_holds_no_plaintext(org) -> None:
    make_record(org.prosecutor, uploads=[Upload("函件.txt", SECRET_CONTENT.encode())])
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — table names from introspection
            for row in cursor.fetchall():
                text = "".join(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row
                )
                for secret in (SECRET_NAME, SECRET_CONTENT):
                    assert secret not in text, table
                    assert secret.encode().decode("latin-1") not in text, table


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite database file itself")
def test_the_sqlite_file_holds_no_plaintext(org) -> None:
    make_record(org.prosecutor, uploads=[Upload("函件.txt", SECRET_CONTENT.encode())])
    connection.ensure_connection()
    raw = connection.connection.serialize()  # the database's pages, as its file would hold them
    assert b"interference_recordversion" in raw
    assert org.prosecutor.name.encode() in raw  # plain text is found where it is stored (the recorder's name)
    for secret in (SECRET_NAME, SECRET_CONTENT, "函件.txt"):
        for encoding in ("utf-8", "utf-16-le", "gb18030"):
            assert secret.encode(encoding) not in raw, (secret, encoding)


class TestPolicy:
    def test_who_reads(
        self,
        org,
        county_prosecutor,
        department_head,
        discipline_inspector,
        city_supervisor,
        outsider,
        system_admin,
    ) -> None:
        record = make_record(org.prosecutor)
        readers = {
            u.username
            for u in (
                county_prosecutor,
                department_head,
                discipline_inspector,
                city_supervisor,
                outsider,
                system_admin,
            )
            if policy.record_readable(u, record)
        }
        assert readers == {"prosecutor", "discipline", "city_inspector"}
        counted = {
            u.username
            for u in (department_head, outsider, system_admin)
            if policy.records_countable_by(u).filter(pk=record.pk).exists()
        }
        assert counted == {"head"}

    def test_the_intervener_never_reaches_it(self, org, discipline_inspector, department_head) -> None:
        about_inspector = make_record(
            org.prosecutor,
            subject_name="纪明",
            subject_staff_no="DI01",
            subject_type="INTERNAL_OWN",
            violation_codes=["IN-VIO-01"],
        )
        about_head = make_record(
            org.prosecutor, subject_name="罗 兰", subject_type="INTERNAL_OWN", violation_codes=[]
        )
        assert not policy.record_readable(discipline_inspector, about_inspector)
        assert not policy.records_countable_by(discipline_inspector).filter(pk=about_inspector.pk).exists()
        assert policy.record_readable(discipline_inspector, about_head)
        assert not policy.records_countable_by(department_head).filter(pk=about_head.pk).exists()

    def test_high_confidentiality_is_for_discipline_only(
        self, org, discipline_inspector, city_supervisor
    ) -> None:
        record = make_record(org.prosecutor, confidentiality="HIGH")
        assert policy.record_readable(discipline_inspector, record)
        assert not policy.record_readable(city_supervisor, record)
        assert policy.records_countable_by(city_supervisor).filter(pk=record.pk).exists()

    def test_skip_level_goes_past_the_own_unit(
        self, org, discipline_inspector, city_supervisor, department_head
    ) -> None:
        record = make_record(org.prosecutor, report_unit_code="620100")
        in_unit = make_record(org.prosecutor)
        assert record.skip_level and record.report_unit == org.city
        assert not policy.record_readable(discipline_inspector, record)
        assert policy.record_readable(city_supervisor, record)
        # the department's chain counts its records reported in the unit, not the one past it
        counted = policy.records_countable_by(department_head)
        assert list(counted.filter(pk__in=[record.pk, in_unit.pk])) == [in_unit]
        assert not policy.records_countable_by(discipline_inspector).filter(pk=record.pk).exists()
        assert policy.records_countable_by(city_supervisor).filter(pk=record.pk).exists()

    def test_read_request_opens_a_window(self, org) -> None:
        record = make_record(org.prosecutor)
        chief, deputy = chief_of(org.county), leader_of(org.county)
        assert not policy.record_readable(deputy, record)
        now = timezone.now()
        request = read_request_create(
            requester=deputy,
            record=record,
            reason="核查",
            window_start=now - timedelta(minutes=1),
            window_end=now + timedelta(days=1),
        )
        assert not policy.record_readable(deputy, record)
        with pytest.raises(RecordError):
            read_request_decide(request=request, decider=deputy, approve=True)
        read_request_decide(request=request, decider=chief, approve=True)
        assert policy.record_readable(deputy, record)
        assert not policy.record_readable(deputy, record, now=now + timedelta(days=2))
        assert policy.read_basis(deputy, record) == "查阅审批"

    def test_a_chief_of_another_unit_cannot_approve(self, org) -> None:
        record = make_record(org.prosecutor)
        deputy = leader_of(org.county)
        now = timezone.now()
        request = read_request_create(
            requester=deputy,
            record=record,
            reason="核查",
            window_start=now,
            window_end=now + timedelta(days=1),
        )
        assert not policy.may_approve(chief_of(org.other_county, staff_no="CH09"), request)
        assert policy.may_approve(chief_of(org.city, staff_no="CH05", name="城市长"), request)


def test_restricted_alerts_reach_only_their_audience(
    org, discipline_inspector, city_supervisor, county_prosecutor
) -> None:
    from lianjian.common.permissions import Perm
    from lianjian.risk.models import Alert, Rule
    from lianjian.risk.selectors import alerts_visible_to

    rule = Rule.objects.create(
        code="R-T", name="t", kind="key_node", risk_codes=["GX05"], audience=Perm.INTERFERENCE_SUPERVISE
    )
    now = timezone.now()
    common = {
        "rule": rule,
        "unit": org.county,
        "title": "t",
        "raised_at": now,
        "last_seen_at": now,
        "subject_staff": org.prosecutor,
        "level": "NOTICE",
    }
    for_inspection = Alert.objects.create(fingerprint="a", audience=Perm.INTERFERENCE_SUPERVISE, **common)
    Alert.objects.create(
        fingerprint="b",
        audience=Perm.INTERFERENCE_SUPERVISE,
        hidden_from_key=sealing.tags_key(sealing.person_tags(staff_no="CS01")),
        **common,
    )
    ordinary = Alert.objects.create(fingerprint="c", **common)
    assert set(alerts_visible_to(city_supervisor)) == {for_inspection, ordinary}
    assert set(alerts_visible_to(discipline_inspector)) == {ordinary}
    assert set(alerts_visible_to(county_prosecutor)) == {ordinary}


def test_the_audit_rows_name_the_record_only(org) -> None:
    from lianjian.audit.models import AuditEvent

    record = make_record(org.prosecutor, uploads=[Upload("函件.txt", b"x")])
    record_correct(record=record, recorder=org.prosecutor, data=record_input(), reason="补充", actor=None)
    rows = AuditEvent.objects.filter(action__startswith="interference.record.")
    assert rows.count() == 2
    for row in rows:
        text = f"{row.target_repr} {row.before} {row.after}"
        assert row.target_repr == record.no
        for leak in ("RC-06", "LEADER", SECRET_NAME, SECRET_CONTENT, "函件"):
            assert leak not in text, leak
