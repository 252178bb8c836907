"""Running an import batch: read, validate, resolve, then write everything or nothing.

DATA_CONTRACT.md §1: a batch with any invalid record writes nothing and reports every error as
line, field, Chinese message and English code; references may point forward inside the batch;
a record imported again with the same content changes nothing. ARCHITECTURE.md: one transaction
per batch, so that a crash at any point leaves nothing partial.
"""

from __future__ import annotations

import enum
import json
import logging
import time
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from pydantic import ValidationError

from lianjian.cases.fastparse import ParsedEvent, Slow, fast_event
from lianjian.cases.records import UNKNOWN_TYPES, EventRecord
from lianjian.cases.stream import CHUNK as EVENT_CHUNK
from lianjian.cases.stream import EventStream
from lianjian.common.records import Issue, Key, KindPlan, Located, Location, RecordKind, RecordModel
from lianjian.ingest.choices import ImportBatchStatus
from lianjian.ingest.models import ERROR_LIMIT, ImportBatch
from lianjian.ingest.readers import RECORD_FIELD, JsonLinesReader, RecordReader
from lianjian.ingest.registry import PLANNED_KINDS, REFERENCE_HANDLERS, REGISTRY
from lianjian.risk.engine import scan_run

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called with (records read so far, records in the batch if known) as an import goes on."""


@dataclass
class BatchResult:
    """What a run did: the recorded batch, every error (the batch row keeps the first 1,000)."""

    batch: ImportBatch
    counts: dict[str, dict[str, int]]
    issues: list[Issue]

    @property
    def status(self) -> str:
        return self.batch.status

    @property
    def is_accepted(self) -> bool:
        return self.batch.status == ImportBatchStatus.ACCEPTED

    def summary(self) -> dict[str, Any]:
        """The run as JSON-ready data (the command's ``--json`` output)."""
        return {
            "batch": self.batch.pk,
            "status": str(self.batch.status),
            "dry_run": self.batch.is_dry_run,
            "source": self.batch.source_name,
            "format": self.batch.source_format,
            "records": self.batch.record_count,
            "counts": self.counts,
            "error_count": len(self.issues),
            "errors": [issue.as_dict() for issue in self.issues[:ERROR_LIMIT]],
            "duration_ms": self.batch.duration_ms,
        }


@dataclass
class _Parsed:
    """The batch after reading and validating every line, before looking at the database."""

    records: dict[str, dict[Key, Located[Any]]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    record_count: int = 0


class BatchContext:
    """The :class:`~lianjian.common.records.RecordContext` handlers see during one batch."""

    def __init__(self, *, actor: Any, registry: Mapping[str, RecordKind], parsed: _Parsed) -> None:
        self.actor = actor
        self._registry = registry
        self._records = parsed.records
        self._existing: dict[str, dict[Key, Any]] = {}
        self._looked_up: dict[str, set[Key]] = {}
        self.issues: list[Issue] = []
        self.batch_id: int | None = None
        """The :class:`ImportBatch` being written (set before handlers write), for their rows."""

    def batch(self, kind: str) -> Mapping[Key, Located[Any]]:
        return self._records.get(kind, {})

    def require(self, kind: str, keys: Iterable[Key]) -> None:
        looked_up = self._looked_up.setdefault(kind, set())
        missing = {key for key in keys if key not in looked_up}
        if missing:
            self.existing(kind).update(self._registry[kind].load(missing))
            looked_up |= missing

    def existing(self, kind: str) -> dict[Key, Any]:
        return self._existing.setdefault(kind, {})

    def known(self, kind: str, key: Key) -> bool:
        return key in self.batch(kind) or key in self.existing(kind)

    def report(self, located: Located[Any], field: str, code: str, message: str) -> None:
        self.issues.append(Issue(located.location, field, code, message))


def _readers(source_name: str, lines_or_reader: Any) -> list[RecordReader]:
    if isinstance(lines_or_reader, RecordReader):
        return [lines_or_reader]
    if (
        isinstance(lines_or_reader, Sequence)
        and not isinstance(lines_or_reader, str | bytes)
        and lines_or_reader
        and all(isinstance(item, RecordReader) for item in lines_or_reader)
    ):
        return list(lines_or_reader)
    if isinstance(lines_or_reader, str):
        lines_or_reader = lines_or_reader.split("\n")
    if isinstance(lines_or_reader, bytes):
        return [JsonLinesReader(source_name, data=lines_or_reader)]
    # Read twice (see import_batch_run): a one-shot iterator of lines is kept as a list.
    lines = lines_or_reader if isinstance(lines_or_reader, Sequence) else list(lines_or_reader)
    return [JsonLinesReader.from_lines(source_name, lines)]


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}…"


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for argument in typing.get_args(annotation):
        found = _enum_of(argument)
        if found is not None:
            return found
    return None


def _field_title(schema: type[RecordModel], name: str) -> str:
    info = schema.model_fields.get(name)
    return (info.title if info is not None and info.title else None) or name


def validation_issues(schema: type[RecordModel], error: ValidationError, location: Location) -> list[Issue]:
    """pydantic's errors as the contract's: field, English code, Chinese message."""
    issues = []
    for detail in error.errors(include_url=False):
        loc = detail.get("loc", ())
        name = str(loc[0]) if loc else ""
        field_path = ".".join(str(part) for part in loc)
        title = _field_title(schema, name) if name else "记录"
        kind, value, context = detail["type"], detail.get("input"), detail.get("ctx") or {}
        if kind == "contract_error":  # a record model's own code, Chinese message and field
            code, message = str(context.get("code")), str(context.get("message"))
            field_path = str(context.get("field") or field_path)
        elif kind == "missing":
            code, message = "required", f"缺少必填字段：{title}（{name}）"
        elif kind == "enum":
            info = schema.model_fields.get(name)
            choices = _enum_of(info.annotation) if info is not None else None
            allowed = (
                "、".join(str(member.value) for member in choices) if choices else context.get("expected")
            )
            code, message = "invalid_choice", f"{title}取值无效：{_show(value)}，应为 {allowed} 之一"
        elif kind == "string_too_short":
            code, message = "required", f"{title}不能为空"
        elif kind == "string_too_long":
            code, message = "too_long", f"{title}过长：最多 {context.get('max_length')} 个字符"
        elif kind == "string_pattern_mismatch":
            code, message = "invalid_format", f"{title}格式无效：{_show(value)}（只能包含字母、数字和 - _ .）"
        elif kind in {"string_type", "string_unicode"}:
            code, message = "invalid_type", f"{title}应为文本，实为 {_show(value)}"
        elif kind == "invalid_date":
            code, message = "invalid_date", f"{title}日期无效：{_show(value)}，应为 YYYY-MM-DD"
        elif kind in {"invalid_bool", "bool_type", "bool_parsing"}:
            code, message = "invalid_bool", f"{title}应为 true 或 false，实为 {_show(value)}"
        elif kind in {"list_type", "dict_type"}:
            code, message = "invalid_type", f"{title}应为{'列表' if kind == 'list_type' else '对象'}"
        else:
            code, message = "invalid_value", f"{title}无效：{_show(value)}（{detail.get('msg', '')}）"
        issues.append(Issue(location, field_path, code, message))
    return issues


def _first_difference(first: RecordModel, second: RecordModel) -> str:
    for name in type(first).model_fields:
        if getattr(first, name) != getattr(second, name):
            return name
    return ""


STREAMED_KIND = "event"
"""The kind imported as a stream, chunk by chunk (:mod:`lianjian.cases.stream`); every other kind
is reference data, small enough to hold whole."""
_EVENT_PREFIXES = ('{"record": "event",', '{"record":"event",')
"""How an event line of JSON Lines usually starts: the first pass skips such lines unparsed."""
ISSUE_CAP = 10_000
"""Errors collected before the importer stops checking events (the batch row keeps 1,000)."""


class _Missed(Exception):
    """The first pass skipped a line that turned out not to be an event: read again, fully."""


def _parse(
    readers: Sequence[RecordReader], registry: Mapping[str, RecordKind], *, prefilter: bool
) -> tuple[_Parsed, set[Location], int]:
    """First pass: read and validate every record but the events; keep one record per key.

    Returns the records, where they were (the second pass must find nothing else) and the
    number of records seen or skipped (for progress). Readers' own errors and unknown kinds are
    left to the second pass, which reads everything.
    """
    parsed = _Parsed()
    seen: set[Location] = set()
    total = 0
    for reader in readers:
        items = reader.read_skipping(_EVENT_PREFIXES if prefilter else ())
        for location, item in items:
            if isinstance(item, Issue):
                continue
            total += 1
            kind = item.get(RECORD_FIELD)
            if not isinstance(kind, str) or kind == STREAMED_KIND or kind not in registry:
                continue
            handler = registry[kind]
            seen.add(location)
            counts = parsed.counts.setdefault(kind, {"records": 0, "duplicates": 0})
            counts["records"] += 1
            parsed.record_count += 1
            data = {name: value for name, value in item.items() if name != RECORD_FIELD}
            if reader.tabular:
                data = _from_headers(handler.schema, data)
            try:
                record = handler.schema.model_validate(data)
            except ValidationError as exc:
                parsed.issues.extend(validation_issues(handler.schema, exc, location))
                continue
            key = handler.key(record)
            records = parsed.records.setdefault(kind, {})
            first = records.get(key)
            if first is None:
                records[key] = Located(location, record)
            elif first.record == record:
                counts["duplicates"] += 1
            else:
                name = _first_difference(first.record, record)
                title = _field_title(handler.schema, name)
                parsed.issues.append(
                    Issue(
                        location,
                        name,
                        "duplicate_conflict",
                        f"{handler.label} {'/'.join(key)} 在 {first.location} 已出现，内容不同（{title}："
                        f"{_show(_plain(getattr(first.record, name, None)))} 与 "
                        f"{_show(_plain(getattr(record, name, None)))}）",
                    )
                )
        total += reader.skipped
    return parsed, seen, total


def _kind_issue(location: Location, kind: Any) -> Issue:
    if kind is None:
        return Issue(location, RECORD_FIELD, "missing_record_kind", "缺少记录类型字段 record")
    if isinstance(kind, str) and kind in PLANNED_KINDS:
        return Issue(
            location,
            RECORD_FIELD,
            "unsupported_record_kind",
            f"暂不支持的记录类型：{kind}（{PLANNED_KINDS[kind]}）",
        )
    return Issue(location, RECORD_FIELD, "unknown_record_kind", f"未知的记录类型：{_show(kind)}")


def _parse_event(
    schema: type[RecordModel], location: Location, data: dict[str, Any], tabular: bool
) -> ParsedEvent | list[Issue]:
    """One event: the fast path, or pydantic for anything it is unsure of (and for errors)."""
    if tabular:
        data = _from_headers(schema, data)
    try:
        return fast_event(data)
    except Slow:
        pass
    try:
        record = schema.model_validate(data)
    except ValidationError as exc:
        return validation_issues(schema, exc, location)
    return ParsedEvent.of(typing.cast(EventRecord, record))


def _stream_events(
    readers: Sequence[RecordReader],
    registry: Mapping[str, RecordKind],
    *,
    parsed: _Parsed,
    seen: set[Location],
    stream: EventStream | None,
    issues: list[Issue],
    progress: Progress | None,
    total: int | None,
) -> None:
    """Second pass: every record again; events checked and written chunk by chunk.

    ``stream`` is None when no event handler is registered. Raises :class:`_Missed` when a
    record other than an event turns up that the first pass did not see.
    """
    handler = registry.get(STREAMED_KIND)
    chunk: list[tuple[Location, ParsedEvent]] = []
    done = 0

    def flush() -> None:
        if stream is not None and chunk:
            stream.feed(chunk)
            issues.extend(stream.issues)
            stream.issues.clear()
        chunk.clear()
        if progress is not None:
            progress(done, total)

    for reader in readers:
        for location, item in reader.read():
            done += 1
            if len(issues) >= ISSUE_CAP:
                issues.append(
                    Issue(location, "", "too_many_errors", f"错误超过 {ISSUE_CAP} 条，已停止检查其余记录")
                )
                return
            if isinstance(item, Issue):
                issues.append(item)
                continue
            kind = item.get(RECORD_FIELD)
            if kind != STREAMED_KIND or handler is None:
                if not isinstance(kind, str) or kind not in registry:
                    issues.append(_kind_issue(location, kind))
                elif location not in seen:
                    raise _Missed
                continue
            counts = parsed.counts.setdefault(STREAMED_KIND, {"records": 0, "duplicates": 0})
            counts["records"] += 1
            parsed.record_count += 1
            data = {name: value for name, value in item.items() if name != RECORD_FIELD}
            event = _parse_event(handler.schema, location, data, reader.tabular)
            if isinstance(event, list):
                issues.extend(event)
                if stream is not None:
                    stream.stop_projecting()
                continue
            chunk.append((location, event))
            if len(chunk) >= EVENT_CHUNK:
                flush()
    flush()


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _from_headers(schema: type[RecordModel], data: dict[str, Any]) -> dict[str, Any]:
    """Table headers (English field names, or the Chinese titles) → field names."""
    names: dict[str, str] = {}
    for name, info in schema.model_fields.items():
        names[name.lower()] = name
        if info.title:
            names[info.title] = name
    return {
        names.get(header.strip().lower(), names.get(header.strip(), header)): v for header, v in data.items()
    }


def _final_counts(
    parsed: _Parsed, plans: Sequence[KindPlan], stream: EventStream | None, *, accepted: bool
) -> dict[str, dict[str, int]]:
    counts = {kind: dict(values) for kind, values in parsed.counts.items()}
    for plan in plans:
        if plan.kind in counts:
            counts[plan.kind].update(
                created=len(plan.create), updated=len(plan.update), unchanged=plan.unchanged
            )
        for kind, derived in plan.derived.items():
            counts[kind] = dict(derived)
    if STREAMED_KIND in counts:
        counts[STREAMED_KIND]["duplicates"] += stream.counts.duplicates if stream is not None else 0
    if stream is not None and accepted and STREAMED_KIND in counts:
        tally = stream.counts
        counts[STREAMED_KIND].update(created=tally.created, updated=0, unchanged=tally.unchanged)
        if tally.unknown:
            counts[UNKNOWN_TYPES] = dict(sorted(tally.unknown.items()))
        if tally.created:
            counts["case"] = {"created": tally.cases_created, "updated": tally.cases_updated, "unchanged": 0}
    return counts


def _record_batch(
    *,
    actor: Any,
    started_at: Any,
    clock: float,
    readers: Sequence[RecordReader],
    status: str,
    dry_run: bool,
    parsed: _Parsed,
    counts: dict[str, dict[str, int]],
    issues: list[Issue],
    batch: ImportBatch | None = None,
) -> ImportBatch:
    formats = list(dict.fromkeys(reader.format for reader in readers))
    values = dict(
        created_by=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor) if actor is not None else "系统（命令行）",
        started_at=started_at,
        source_name=", ".join(reader.source for reader in readers)[:500],
        source_format="+".join(formats)[:32],
        status=status,
        is_dry_run=dry_run,
        record_count=parsed.record_count,
        counts=counts,
        errors=[issue.as_dict() for issue in issues[:ERROR_LIMIT]],
        error_count=len(issues),
        duration_ms=int((time.monotonic() - clock) * 1000),
    )
    if batch is None:
        return ImportBatch.objects.create(**values)
    for name, value in values.items():
        setattr(batch, name, value)
    batch.save()
    return batch


def import_batch_run(
    *,
    actor: Any,
    source_name: str,
    lines_or_reader: Iterable[str] | str | bytes | RecordReader | Sequence[RecordReader],
    dry_run: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """Import one batch: every record written in one transaction, or none and every error reported.

    ``lines_or_reader`` is JSON Lines text (lines, a string or bytes, named ``source_name``), a
    reader, or several readers (several files form one batch). The sources are read twice:

    1. every record but the events (reference data: units, staff, lawyers …) is read and
       validated, identical repeats of a key dropped (a repeat with other content is an error);
       JSON Lines event lines are skipped unparsed;
    2. in one transaction, the reference records are checked against the database and the whole
       batch (forward references allowed) and written kind by kind in the registry's order; then
       every record is read again and the events are validated, checked and written in chunks of
       :data:`~lianjian.cases.stream.CHUNK` (:class:`~lianjian.cases.stream.EventStream`), with
       the projections of their cases — so memory does not grow with the number of events.

    With any error, checking goes on (up to :data:`ISSUE_CAP` errors) and everything is rolled
    back; a dry run is rolled back too. The :class:`ImportBatch` is written either way. Not
    ``@transaction.atomic`` itself on purpose: the record of a rejected batch must be kept while
    everything else is rolled back. ``progress(done, total)`` is called after every chunk with the
    records read so far and the number of records in the sources (known after the first pass).
    """
    clock = time.monotonic()
    started_at = timezone.now()
    readers = _readers(source_name, lines_or_reader)
    order = {reader.source: index for index, reader in enumerate(readers)}
    parsed = _Parsed()
    issues: list[Issue] = []
    plans: list[KindPlan] = []
    stream: EventStream | None = None

    def record(status: str, batch: ImportBatch | None = None) -> BatchResult:
        issues.sort(key=lambda issue: (order.get(issue.location.source, len(order)), issue.location.line))
        counts = _final_counts(parsed, plans, stream, accepted=status != ImportBatchStatus.REJECTED)
        batch = _record_batch(
            actor=actor,
            started_at=started_at,
            clock=clock,
            readers=readers,
            status=status,
            dry_run=dry_run,
            parsed=parsed,
            counts=counts,
            issues=issues,
            batch=batch,
        )
        return BatchResult(batch=batch, counts=counts, issues=issues)

    for prefilter in (True, False):
        parsed, seen, total = _parse(readers, REGISTRY, prefilter=prefilter)
        issues = list(parsed.issues)
        plans = []
        stream = None
        try:
            with transaction.atomic():
                # The batch row first, so that rows written by handlers can name it.
                opened = ImportBatch.objects.create(
                    started_at=started_at, source_name="", source_format="", status=ImportBatchStatus.ACCEPTED
                )
                context = BatchContext(actor=actor, registry=REGISTRY, parsed=parsed)
                context.batch_id = opened.pk
                if not issues:
                    for handler in REFERENCE_HANDLERS.values():
                        handler.check(context)
                    issues.extend(context.issues)
                if not issues:
                    plans = [handler.plan(context) for handler in REFERENCE_HANDLERS.values()]
                    for handler, plan in zip(REFERENCE_HANDLERS.values(), plans, strict=True):
                        handler.write(context, plan)
                if STREAMED_KIND in REGISTRY:
                    stream = EventStream(ctx=context, batch_id=opened.pk, writing=not issues)
                _stream_events(
                    readers,
                    REGISTRY,
                    parsed=parsed,
                    seen=seen,
                    stream=stream,
                    issues=issues,
                    progress=progress,
                    total=total,
                )
                if stream is not None and not issues:
                    stream.finish()
                    issues.extend(stream.issues)
                if issues or dry_run:
                    transaction.set_rollback(True)
                else:
                    if stream is not None:
                        stream.audit(actor)
                    return record(ImportBatchStatus.ACCEPTED, opened)
        except _Missed:
            continue
        except Exception as exc:
            # Any failure while writing rolls the whole batch back; the run is still recorded.
            logger.exception("import batch failed while writing")
            plans, stream = [], None
            issues.append(
                Issue(
                    Location(readers[0].source if readers else source_name, 0),
                    "",
                    "write_failed",
                    f"写入数据库时出错，本批次已全部回滚（{type(exc).__name__}）",
                )
            )
        break
    if issues:
        plans = []
        return record(ImportBatchStatus.REJECTED)
    return record(ImportBatchStatus.VALIDATED)


# After this many new events PostgreSQL's statistics of the case tables are refreshed before
# detection: its planner would otherwise plan the scan for the tables as they were (autovacuum
# catches up only later), and the set-based rules depend on good plans.
ANALYZE_AFTER_EVENTS = 50_000
CASE_TABLES = ("cases_event", "cases_case", "cases_casestage", "cases_caselawyer")


def case_statistics_refresh(*, events_created: int) -> bool:
    """``ANALYZE`` the case tables on PostgreSQL after a large import; whether it ran."""
    if connection.vendor != "postgresql" or events_created < ANALYZE_AFTER_EVENTS:
        return False
    with connection.cursor() as cursor:
        for table in CASE_TABLES:
            cursor.execute(f"ANALYZE {table}")  # table names are constants
    return True


def created_events(result: BatchResult) -> int:
    return int(result.counts.get(STREAMED_KIND, {}).get("created", 0))


def detection_after_import(*, actor: Any | None) -> dict[str, Any]:
    """Run incremental detection over what an accepted import changed (F4.3).

    The batch is already committed: a failure here is reported, never undoes the import.
    """
    try:
        report = scan_run(actor=actor, note="导入后增量检测")
    except Exception as exc:  # the import stands whatever detection does
        logger.exception("detection after import failed")
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"run": report.run_id, "mode": report.mode, "cases": report.case_count, **report.totals()}


def scan_text(scan: Mapping[str, Any]) -> str:
    """One line of Chinese about the detection after an import."""
    if scan.get("error"):
        return f"增量检测失败（导入已完成）：{scan['error']}"
    scope = "全部案件" if scan.get("cases") is None else f"{scan['cases']:,} 件有新事件的案件"
    return (
        f"增量检测（{scope}）：新增预警 {scan['new']:,} 条，仍存在 {scan['still_open']:,} 条，"
        f"已消除 {scan['resolved']:,} 条"
    )
