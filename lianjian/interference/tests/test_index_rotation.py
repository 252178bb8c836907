"""Rotation of the blind-index key: exclusion under every index key while a new line waits for the
rekey, the rekey's re-tagging of records, clues and alerts, and tags it cannot translate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from lianjian.audit.models import AuditEvent
from lianjian.common import sealing
from lianjian.interference import clues, policy
from lianjian.interference.kinds.watch import hidden_tags
from lianjian.interference.models import Clue, Record
from lianjian.interference.services import record_correct, retag
from lianjian.interference.tests.builders import (
    SECRET_NAME,
    discipline_colleague,
    make_record,
    record_input,
)
from lianjian.risk.models import Alert, Rule
from lianjian.risk.selectors import alerts_visible_to

pytestmark = pytest.mark.django_db

OLD_KEYS = django_settings.LIANJIAN_SEAL_KEYS  # index:00…0f;1:10…1f
NEW_INDEX = "index:" + "33" * 16
BOTH_KEYS = f"{OLD_KEYS};{NEW_INDEX}"
NEW_ONLY = ";".join(line for line in OLD_KEYS.split(";") if not line.startswith("index:")) + f";{NEW_INDEX}"
UNKNOWN_TAG = "ab" * 12
# The intervener of these tests is 纪明 (DI01), the county's discipline inspector.
ABOUT_DI01 = {
    "subject_name": "纪明",
    "subject_staff_no": "DI01",
    "subject_type": "INTERNAL_OWN",
    "category": "RC-06",
    "violation_codes": ["IN-VIO-01"],
}


def _di01_tags() -> str:
    return sealing.tags_key(sealing.person_tags(staff_no="DI01", name="纪明"))


@pytest.fixture
def about_di01(org, discipline_inspector):
    """Under the old index key: a record about 纪明, a clue taken from it by a colleague, an alert
    hidden from 纪明 and one hidden from nobody."""
    colleague = discipline_colleague(org)
    record = make_record(org.prosecutor, **ABOUT_DI01)
    clue = clues.clue_take(actor=colleague, source="RECORD", record=record, summary="")
    rule = Rule.objects.create(code="R-T", name="t", kind="key_node", risk_codes=["GX05"])
    now = timezone.now()
    common = {"rule": rule, "unit": org.county, "title": "t", "raised_at": now, "last_seen_at": now}
    hidden = Alert.objects.create(fingerprint="hidden", hidden_from_key=record.intervener_tags, **common)
    ordinary = Alert.objects.create(fingerprint="ordinary", **common)
    return SimpleNamespace(record=record, clue=clue, hidden=hidden, ordinary=ordinary, colleague=colleague)


def _assert_excluded(user, about) -> None:
    assert about.record in Record.objects.all()  # there, and readable by 纪检监察 of the county…
    assert about.record in policy.records_readable_by(about.colleague)
    assert about.record not in policy.records_readable_by(user)  # …but never by 纪明
    assert list(clues.clues_visible_to(about.colleague)) == [about.clue]
    assert list(clues.clues_visible_to(user)) == []
    assert set(alerts_visible_to(user)) == {about.ordinary}


def test_several_index_lines_the_last_is_current() -> None:
    ring = sealing.Keyring.parse(BOTH_KEYS, source="k")
    assert ring.index_keys == (bytes(range(16)), b"\x33" * 16)
    assert ring.index_key == b"\x33" * 16
    assert ring.current == 1


def test_before_the_rekey_the_old_tags_still_exclude(about_di01, discipline_inspector, settings) -> None:
    stored = about_di01.record.intervener_tags
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    assert _di01_tags() != stored  # new tags are under the new key…
    assert set(sealing.person_tags(staff_no="DI01", name="纪明", every_key=True)) >= set(
        stored.strip("|").split("|")
    )
    _assert_excluded(discipline_inspector, about_di01)  # …and the stored old ones still hide


def test_watch_matches_staff_to_tags_under_every_key(org, discipline_inspector, settings) -> None:
    old = sealing.person_tags(staff_no="DI01", name="纪明")
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    tags = {f"{n:024x}" for n in range(10)} | set(old)  # too many: only staff members' are kept
    kept = hidden_tags(tags)
    assert kept is not None and len(kept) == 1 and kept[0] in old


def test_after_the_rekey_every_tag_is_under_the_new_key(about_di01, discipline_inspector, settings) -> None:
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    counts = retag()
    assert counts == {"records": 1, "clues": 1, "alerts": 1, "unmapped": 0}
    new = _di01_tags()
    assert Record.objects.get(pk=about_di01.record.pk).intervener_tags == new
    assert Clue.objects.get(pk=about_di01.clue.pk).intervener_tags == new
    assert Alert.objects.get(pk=about_di01.hidden.pk).hidden_from_key == new
    assert Alert.objects.get(pk=about_di01.ordinary.pk).hidden_from_key == ""
    _assert_excluded(discipline_inspector, about_di01)
    assert retag() == {"records": 0, "clues": 0, "alerts": 0, "unmapped": 0}
    settings.LIANJIAN_SEAL_KEYS = NEW_ONLY  # the operator removes the old index line
    assert _di01_tags() == new
    _assert_excluded(discipline_inspector, about_di01)


def test_a_clue_keeps_the_person_of_an_earlier_version(org, discipline_inspector, settings) -> None:
    # The clue was taken while the record named 唐秘密 (no staff member); a correction then named 纪明.
    record = make_record(org.prosecutor)
    clue = clues.clue_take(actor=discipline_inspector, source="RECORD", record=record, summary="")
    record_correct(
        record=record,
        recorder=org.prosecutor,
        data=record_input(**ABOUT_DI01),
        reason="过问人记错",
        actor=None,
    )
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    assert retag()["unmapped"] == 0
    assert Record.objects.get(pk=record.pk).intervener_tags == _di01_tags()
    assert Clue.objects.get(pk=clue.pk).intervener_tags == sealing.tags_key(
        sealing.person_tags(name=SECRET_NAME)
    )


def test_unknown_tags_are_kept_and_counted(about_di01, discipline_inspector, settings) -> None:
    old = about_di01.record.intervener_tags
    Alert.objects.filter(pk=about_di01.hidden.pk).update(
        hidden_from_key=sealing.tags_key([UNKNOWN_TAG, *old.strip("|").split("|")])
    )
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    assert retag()["unmapped"] == 1
    stored = Alert.objects.get(pk=about_di01.hidden.pk).hidden_from_key
    assert stored == sealing.tags_key([UNKNOWN_TAG, *_di01_tags().strip("|").split("|")])
    assert retag()["unmapped"] == 1  # still there, still counted
    settings.LIANJIAN_SEAL_KEYS = NEW_ONLY
    _assert_excluded(discipline_inspector, about_di01)


def test_the_command_reports_the_retagging(about_di01, settings, capsys) -> None:
    Clue.objects.filter(pk=about_di01.clue.pk).update(intervener_tags=f"|{UNKNOWN_TAG}|")
    settings.LIANJIAN_SEAL_KEYS = BOTH_KEYS
    call_command("interference", "rekey")
    out = capsys.readouterr().out
    assert (
        "已用当前盲索引密钥重新计算回避标记：记录 1 条，问题线索 0 条，预警 1 条；无法换算的标记 1 个" in out
    )
    assert Clue.objects.get(pk=about_di01.clue.pk).intervener_tags == f"|{UNKNOWN_TAG}|"
    audit = AuditEvent.objects.get(action="interference.keys.retag")
    assert audit.after == {"records": 1, "clues": 0, "alerts": 1, "unmapped": 1, "index_keys": 2}
