"""A fast path for validating ``event`` records, equal in result to :class:`EventRecord`.

Importing millions of events spends most of its time in pydantic. This module checks the common,
valid shape of an event by hand — envelope fields as plain text of the right length, a time in
ISO 8601, each known ``data`` field of the right type and range — and produces the same values
:class:`~lianjian.cases.records.EventRecord` would: stripped text, enum codes, the same ``data``
and the same digest. Anything it is not sure of (a number where text is expected, surrounding
whitespace, a value out of range, a missing field, an alias written by its Python name, a type
it cannot describe) goes to the pydantic models, which give the contract's exact errors. So the
fast path never decides that an event is invalid: it only accepts, or hands over.
``tests/test_fastparse.py`` checks that both paths agree on the contract sample and on
generated data.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, StringConstraints
from pydantic.fields import FieldInfo

from lianjian.cases import records as event_records
from lianjian.cases.choices import EventType

Checker = Callable[[Any], Any]
"""Returns the normalised value, or raises :class:`Slow`."""

_KNOWN_TYPES = frozenset(EventType.values)
_ENVELOPE = frozenset({"event_id", "case_no", "unit", "type", "occurred_at", "actor", "data"})
_UNIT = re.compile(r"[0-9A-Za-z_.\-]+")
_SCALARS = frozenset({str, int, bool, type(None)})
"""Values :func:`~lianjian.cases.records.integral` leaves as they are (most of an event's data)."""


class Slow(Exception):
    """The value needs the pydantic models (to be accepted differently, or to get its error)."""


class ParsedEvent:
    """A valid event as the importer needs it (the values of :class:`EventRecord`)."""

    __slots__ = (
        "actor",
        "case_no",
        "data",
        "digest",
        "event_id",
        "extra",
        "is_known_type",
        "occurred_at",
        "type",
        "unit",
    )

    def __init__(
        self,
        event_id: str,
        case_no: str,
        unit: str,
        type: str,
        occurred_at: datetime,
        actor: str | None,
        data: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        self.event_id = event_id
        self.case_no = case_no
        self.unit = unit
        self.type = type
        self.occurred_at = occurred_at
        self.actor = actor
        self.data = data
        self.extra = extra
        self.is_known_type = type in _KNOWN_TYPES
        self.digest = event_records.digest_of(self)

    @classmethod
    def of(cls, record: event_records.EventRecord) -> ParsedEvent:
        return cls(
            record.event_id,
            record.case_no,
            record.unit,
            record.type,
            record.occurred_at,
            record.actor,
            record.data,
            record.extra,
        )

    @property
    def corrects(self) -> str | None:
        if self.type != EventType.CORRECTED:
            return None
        return str(self.data["corrects"])

    def value(self, name: str) -> Any:
        """A field's value as the pydantic record would hold it (for messages)."""
        return getattr(self, name)


# --- checkers built from the pydantic models ---------------------------------------------------


def _text(value: Any) -> str:
    if type(value) is not str or (value and (value[0].isspace() or value[-1].isspace())):
        raise Slow
    return value


def _string(metadata: list[Any]) -> Checker | None:
    low, high, pattern = 0, None, None
    for item in metadata:
        if isinstance(item, StringConstraints):
            low = item.min_length or 0
            high = item.max_length
            pattern = re.compile(item.pattern) if item.pattern else None
        elif (isinstance(item, FieldInfo) and item.metadata) or not isinstance(item, FieldInfo):
            return None

    def check(value: Any) -> Any:
        text = _text(value)
        if len(text) < low or (high is not None and len(text) > high):
            raise Slow
        if pattern is not None and not pattern.search(text):
            raise Slow
        return text

    return check


def _bounds(metadata: list[Any]) -> tuple[Any, Any] | None:
    low = high = None
    for item in metadata:
        inner = item.metadata if isinstance(item, FieldInfo) else [item]
        for bound in inner:
            if isinstance(bound, Ge):
                low = bound.ge
            elif isinstance(bound, Le):
                high = bound.le
            else:
                return None
    return low, high


def _number(metadata: list[Any], kinds: tuple[type, ...]) -> Checker | None:
    bounds = _bounds(metadata)
    if bounds is None:
        return None
    low, high = bounds

    def check(value: Any) -> Any:
        if (
            type(value) not in kinds
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            raise Slow
        return value

    return check


def _checker(annotation: Any, metadata: list[Any]) -> Checker | None:
    """A checker for one field's type, or None when this module does not know the type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *more = typing.get_args(annotation)
        return _checker(base, [*more, *metadata])
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [arg for arg in args if arg is not type(None)]
        if set(rest) == {int, float}:
            inner = _number(metadata, (int, float))
        elif len(rest) == 1:
            inner = _checker(rest[0], metadata)
        else:
            return None
        if inner is None:
            return None
        if len(rest) == len(args):
            return inner
        optional = inner

        def check_optional(value: Any) -> Any:
            return None if value is None else optional(value)

        return check_optional
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = frozenset(member.value for member in annotation)
        if metadata:
            return None

        def check_enum(value: Any) -> Any:
            if type(value) is not str or value not in values:
                raise Slow
            return value

        return check_enum
    if annotation is str:
        return _string(metadata)
    if annotation is bool:
        if not all(isinstance(item, BeforeValidator) for item in metadata):
            return None

        def check_bool(value: Any) -> Any:
            if type(value) is not bool:
                raise Slow
            return value

        return check_bool
    if annotation is int:
        return _number(metadata, (int,))
    if origin is list:
        (item_type,) = typing.get_args(annotation)
        if not all(isinstance(item, BeforeValidator) for item in metadata):
            return None
        item = _checker(item_type, [])
        if item is None:
            return None
        check_item = item

        def check_list(value: Any) -> Any:
            if type(value) is not list:
                raise Slow
            return [check_item(element) for element in value]

        return check_list
    return None


class _DataSpec:
    """The checkers of one type's data model; ``None`` when the model has a field we cannot check."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.fields: dict[str, Checker] = {}
        self.required: frozenset[str] = frozenset()
        self.python_names: frozenset[str] = frozenset()
        self.usable = True
        required = set()
        python_names = set()
        for name, info in model.model_fields.items():
            key = info.alias or name
            if key != name:
                python_names.add(name)
            checker = _checker(info.annotation, list(info.metadata))
            if checker is None:
                self.usable = False
                return
            self.fields[key] = checker
            if info.is_required():
                required.add(key)
        self.required = frozenset(required)
        self.python_names = frozenset(python_names)

    def normalise(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if not self.usable or not self.required.issubset(data) or not self.python_names.isdisjoint(data):
            raise Slow
        fields = self.fields
        result: dict[str, Any] = {}
        for key, value in data.items():
            checker = fields.get(key)
            result[key] = value if checker is None else checker(value)
        for value in result.values():
            if type(value) not in _SCALARS:
                return typing.cast(dict[str, Any], event_records.integral(result))
        return result


_SPECS: dict[str, _DataSpec] = {}


def _spec(event_type: str) -> _DataSpec:
    spec = _SPECS.get(event_type)
    if spec is None:
        spec = _SPECS[event_type] = _DataSpec(
            event_records.DATA_MODELS.get(event_type, event_records.EventData)
        )
    return spec


def _time(value: Any) -> datetime:
    text = _text(value)
    if not event_records.DATETIME_PATTERN.fullmatch(text):
        raise Slow
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Slow from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=event_records.SHANGHAI)


def _sized(value: Any, high: int) -> str:
    text = _text(value)
    if not text or len(text) > high:
        raise Slow
    return text


def fast_event(item: Mapping[str, Any]) -> ParsedEvent:
    """The event of a record dict (without its ``record`` field); raises :class:`Slow` when unsure."""
    event_id = _sized(item.get("event_id"), 64)
    case_no = _sized(item.get("case_no"), 100)
    unit = _sized(item.get("unit"), 32)
    if not _UNIT.fullmatch(unit):
        raise Slow
    event_type = _sized(item.get("type"), 40)
    occurred_at = _time(item.get("occurred_at"))
    actor = item.get("actor")
    if actor is not None:
        actor = _sized(actor, 32)
    data = item.get("data")
    if data is None:
        data = {}
    elif type(data) is not dict:
        raise Slow
    data = _spec(event_type).normalise(data) if event_type in _KNOWN_TYPES else dict(data)
    extra = {str(name): value for name, value in item.items() if name not in _ENVELOPE}
    return ParsedEvent(event_id, case_no, unit, event_type, occurred_at, actor, data, extra)
