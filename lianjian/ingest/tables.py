"""The table layout of each record kind: its columns, Chinese headers and cell conversion.

CSV files and XLSX sheets carry the records of DATA_CONTRACT.md §1 one kind per file or sheet,
with a header row (§1, last paragraph). Everything a table needs is derived from the record's
pydantic model in its domain app's ``records.py``, so that a new kind (or a new field) needs no
change here:

- a column per field, headed by the field's ``title`` (the Chinese name the templates use) and
  also accepted under its English contract name (the field's alias, else its name);
- a field holding an object (the ``event`` record's ``data``) is one JSON column (``data`` /
  its title) or flattened into ``data.<field>`` columns; when the model describes the object's
  fields (a pydantic model, a union of models, or a ``data_models`` mapping on the record model
  from event type to model), their titles are accepted as headers too and become the
  template's columns;
- each column's type (text, date, time, boolean, number, list, object) drives how a cell is
  read: Excel dates and text dates (``2026/3/2``, ``2026年3月2日``) become ``YYYY-MM-DD``,
  numbers typed into text columns keep no ``.0`` (工号 ``123``), booleans accept
  TRUE/FALSE/是/否/1/0.

The readers (:mod:`lianjian.ingest.readers`) and the templates
(:mod:`lianjian.ingest.workbooks`) both work from :func:`layout_for`.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo

from lianjian.common.records import RecordModel
from lianjian.ingest.registry import REGISTRY

DATA_SEPARATOR = "."
"""``data.line``: a flattened field of an object column."""

MAX_CELL_CHARS = 1_000_000
"""The longest cell accepted (about 1 MB of text; a record's longest legitimate field — a cause,
a JSON ``data`` object — is a few kilobytes). Longer cells are rejected as ``field_too_large``."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TEXT_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?$"
)
_LIST_SEPARATORS = "、，,;；"


class ColumnType(enum.StrEnum):
    """How a cell of a column is read (and what the template says about it)."""

    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    INTEGER = "integer"
    NUMBER = "number"
    LIST = "list"
    OBJECT = "object"
    ANY = "any"


TYPE_TEXT: dict[ColumnType, str] = {
    ColumnType.TEXT: "文本",
    ColumnType.DATE: "日期，YYYY-MM-DD（Excel 日期单元格亦可）",
    ColumnType.DATETIME: "时间，YYYY-MM-DD HH:MM[:SS]，可带时区如 +08:00；不带时区按北京时间",
    ColumnType.BOOL: "是/否（也可填 TRUE/FALSE、1/0）",
    ColumnType.INTEGER: "整数",
    ColumnType.NUMBER: "数字",
    ColumnType.LIST: "多个值用顿号或逗号分隔",
    ColumnType.OBJECT: 'JSON 对象，如 {"line": "CRIMINAL"}',
    ColumnType.ANY: "文本或数字",
}


class CellError(ValueError):
    """A cell that cannot be read as its column's type: an English code and a Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Column:
    """One column of a kind's table.

    ``name`` is the contract's field name (``id``, ``occurred_at``; ``data.line`` for a flattened
    field of ``data``); ``title`` its Chinese header; ``choices`` the allowed codes with their
    Chinese meanings, for enumerations.
    """

    name: str
    title: str
    type: ColumnType
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    pattern: str | None = None
    example: Any = None
    used_by: tuple[str, ...] = ()
    """For a flattened ``data`` field: the event types whose data has it."""
    aliases: tuple[str, ...] = ()
    """More headers naming this column (the titles a shared ``data`` field has in each type)."""
    detail: str = ""
    """The format text when the field differs by event type (replaces the generic one)."""

    @cached_property
    def parent(self) -> str | None:
        """``data`` for ``data.line``; None for a top-level field."""
        head, separator, _rest = self.name.partition(DATA_SEPARATOR)
        return head if separator else None

    @cached_property
    def leaf(self) -> str:
        return self.name.rpartition(DATA_SEPARATOR)[2]

    def describe(self) -> str:
        """The column's format in Chinese, for the template's explanation sheet."""
        if self.detail:
            return self.detail
        parts = [TYPE_TEXT[self.type]]
        if self.choices:
            parts = [
                "取值：" + "；".join(f"{code} {label}" if label else code for code, label in self.choices)
            ]
            if self.type is ColumnType.LIST:
                parts.append(TYPE_TEXT[ColumnType.LIST])
        if self.max_length:
            parts.append(f"最多 {self.max_length} 个字符")
        if self.pattern == r"^[0-9A-Za-z_.\-]+$":
            parts.append("只能包含字母、数字和 - _ .")
        if self.used_by:
            parts.append("用于事件类型：" + "、".join(self.used_by))
        return "；".join(parts)


@dataclass
class KindLayout:
    """The columns of one record kind and the headers that name them."""

    kind: str
    label: str
    columns: list[Column]
    objects: dict[str, Column] = field(default_factory=dict)
    """Object-valued fields (``data``) by name: one JSON column each, or flattened columns."""
    _headers: dict[str, Column] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in [*self.columns, *self.objects.values()]:
            self._headers.setdefault(normalize_header(column.name), column)
        for column in [*self.columns, *self.objects.values()]:
            for title in (column.title, *column.aliases):
                self._headers.setdefault(normalize_header(title), column)

    @property
    def template_columns(self) -> list[Column]:
        """The template's columns: every field in order; an object flattened when its fields are
        known, else one JSON column."""
        flattened = {column.parent for column in self.columns if column.parent}
        top = [column for column in self.columns if column.parent is None]
        return [
            *top,
            *[column for column in self.columns if column.parent is not None],
            *[column for name, column in self.objects.items() if name not in flattened],
        ]

    def column(self, header: str) -> Column | None:
        """The column a header names: English name, Chinese title, ``data.<field>`` or
        ``数据.<field>`` (any field of an object, known to the model or not)."""
        key = normalize_header(header)
        found = self._headers.get(key)
        if found is not None:
            return found
        head, separator, rest = key.partition(DATA_SEPARATOR)
        if separator and rest and _IDENTIFIER.match(rest):
            parent = self._headers.get(head)
            if parent is not None and parent.name in self.objects:
                return Column(f"{parent.name}{DATA_SEPARATOR}{rest}", header.strip(), ColumnType.ANY)
        return None

    def suggestions(self, header: str) -> list[str]:
        """Known headers close to an unknown one (for the error message)."""
        import difflib

        titles = [column.title for column in self.template_columns]
        names = [column.name for column in self.template_columns]
        return difflib.get_close_matches(header.strip(), titles + names, n=2, cutoff=0.5)

    def required_columns(self) -> list[Column]:
        return [column for column in self.columns if column.required and column.parent is None] + [
            column for column in self.objects.values() if column.required
        ]


def normalize_header(text: Any) -> str:
    """A header as compared: trimmed, BOM and required-marks (``*``) removed, English lower-cased."""
    value = str(text).replace("\ufeff", "").strip().rstrip("*＊").strip()
    return re.sub(r"\s+", " ", value).lower()


def is_identifier(header: str) -> bool:
    """An English field name (``remark``, ``source.system``): an unknown one is kept as an extra
    field, as in JSON Lines; any other unknown header (Chinese text) is taken for a typo."""
    return bool(_IDENTIFIER.match(header.strip()))


# --- deriving layouts from the record models ----------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without Optional/Annotated, and the metadata found on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            arguments = [argument for argument in typing.get_args(annotation) if argument is not type(None)]
            if len(arguments) != 1:
                return annotation, metadata
            annotation = arguments[0]
        else:
            return annotation, metadata


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an object field's annotation names (a model or a union of models)."""
    annotation, _metadata = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [model for argument in typing.get_args(annotation) for model in _models_of(argument)]
    return []


def _column_type(annotation: Any) -> tuple[ColumnType, type[enum.Enum] | None]:
    annotation, _metadata = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = {_column_type(argument)[0] for argument in typing.get_args(annotation)} - {ColumnType.ANY}
        if kinds and kinds <= {ColumnType.INTEGER, ColumnType.NUMBER}:
            return ColumnType.NUMBER, None
    if origin in (list, tuple, set, frozenset):
        arguments = typing.get_args(annotation)
        _item, choices = _column_type(arguments[0]) if arguments else (ColumnType.ANY, None)
        return ColumnType.LIST, choices
    if origin in (dict, Mapping) or _models_of(annotation):
        return ColumnType.OBJECT, None
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return ColumnType.TEXT, annotation
        if issubclass(annotation, bool):
            return ColumnType.BOOL, None
        if issubclass(annotation, datetime):
            return ColumnType.DATETIME, None
        if issubclass(annotation, date):
            return ColumnType.DATE, None
        if issubclass(annotation, int):
            return ColumnType.INTEGER, None
        if issubclass(annotation, float):
            return ColumnType.NUMBER, None
        if issubclass(annotation, str):
            return ColumnType.TEXT, None
        if annotation.__name__ == "Decimal":
            return ColumnType.NUMBER, None
    return ColumnType.ANY, None


def _choices(members: type[enum.Enum] | None) -> tuple[tuple[str, str], ...]:
    if members is None:
        return ()
    return tuple((str(member.value), str(getattr(member, "label", "") or "")) for member in members)


def _constraints(info: FieldInfo) -> tuple[int | None, str | None]:
    found = [item for item in info.metadata if isinstance(item, StringConstraints)]
    _annotation, metadata = _unwrap(info.annotation)
    found += [item for item in metadata if isinstance(item, StringConstraints)]
    max_length = next((item.max_length for item in found if item.max_length), None)
    pattern = next((str(item.pattern) for item in found if item.pattern), None)
    return max_length, pattern


def _contract_name(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _example(info: FieldInfo) -> Any:
    return info.examples[0] if info.examples else None


def _column(name: str, info: FieldInfo, *, prefix: str = "", required: bool | None = None) -> Column:
    column_type, members = _column_type(info.annotation)
    max_length, pattern = _constraints(info)
    title = info.title or name
    return Column(
        name=f"{prefix}{_contract_name(name, info)}",
        title=title,
        type=column_type,
        required=info.is_required() if required is None else required,
        choices=_choices(members),
        max_length=max_length,
        pattern=pattern,
        example=_example(info),
    )


def _object_models(schema: type[RecordModel], name: str, info: FieldInfo) -> dict[str, type[BaseModel]]:
    """The models describing an object field: ``data_models`` on the record model (by event
    type), else the models its annotation names."""
    declared = getattr(schema, f"{name}_models", None)
    if isinstance(declared, Mapping):
        return {
            str(getattr(key, "value", key)): model
            for key, model in declared.items()
            if isinstance(model, type) and issubclass(model, BaseModel)
        }
    return {model.__name__: model for model in _models_of(info.annotation)}


OBJECT_ALIASES: dict[str, tuple[str, ...]] = {"data": ("数据",)}
"""More headers of a JSON object column (DATA_CONTRACT.md §1 names the column ``data``)."""


def _flattened(owners: Mapping[str, type[BaseModel]], parent: str) -> list[Column]:
    """One column per field of the object's models. A field several types share with the same
    title and codes is one plain column; with different ones (``kind`` is 不起诉类别 in
    ``PROPOSED``, 复议类别 in ``RECONSIDERATION_*`` …) it is headed ``data.kind``, accepts each
    title, and its explanation goes type by type."""
    members: dict[str, list[tuple[str, Column]]] = {}
    for owner, model in owners.items():
        for name, info in model.model_fields.items():
            column = _column(name, info, prefix=f"{parent}{DATA_SEPARATOR}", required=False)
            members.setdefault(column.name, []).append((owner, column))
    columns = []
    for name, found in members.items():
        first = found[0][1]
        owner_names = tuple(owner for owner, _column in found)
        variants = list(
            dict.fromkeys((column.title, column.type, column.choices) for _owner, column in found)
        )
        if len(variants) == 1:
            columns.append(replace(first, used_by=owner_names))
            continue
        detail = "；".join(
            "、".join(
                owner for owner, column in found if (column.title, column.type, column.choices) == variant
            )
            + f"：{variant[0]}，"
            + Column(name, variant[0], variant[1], choices=variant[2]).describe()
            for variant in variants
        )
        types = {variant[1] for variant in variants}
        columns.append(
            replace(
                first,
                title=name,
                type=first.type if len(types) == 1 else ColumnType.ANY,
                choices=(),
                used_by=owner_names,
                aliases=tuple(dict.fromkeys(variant[0] for variant in variants)),
                detail=detail,
            )
        )
    return columns


def build_layout(kind: str, label: str, schema: type[RecordModel]) -> KindLayout:
    """A kind's layout from its record model (see the module's docstring)."""
    columns: list[Column] = []
    objects: dict[str, Column] = {}
    flattened: list[Column] = []
    type_choices: tuple[tuple[str, str], ...] = ()
    for name, info in schema.model_fields.items():
        if name == "extra":
            continue
        column = _column(name, info)
        if column.type is not ColumnType.OBJECT:
            columns.append(column)
            continue
        objects[column.name] = replace(column, aliases=OBJECT_ALIASES.get(column.name, ()))
        owners = _object_models(schema, name, info)
        flattened += _flattened(owners, column.name)
        declared = getattr(schema, f"{name}_models", None)
        if isinstance(declared, Mapping):
            type_choices = tuple(
                (str(getattr(key, "value", key)), str(getattr(key, "label", "") or "")) for key in declared
            )
    if type_choices:
        # The keys of ``<object>_models`` are the values of the record's ``type`` (the event type).
        columns = [
            replace(column, choices=type_choices) if column.name == "type" and not column.choices else column
            for column in columns
        ]
    return KindLayout(kind=kind, label=label, columns=[*columns, *flattened], objects=objects)


@cache
def layouts() -> dict[str, KindLayout]:
    """Every importable kind's layout, in the registry's order."""
    return {kind: build_layout(kind, handler.label, handler.schema) for kind, handler in REGISTRY.items()}


def layout_for(kind: str) -> KindLayout | None:
    return layouts().get(kind)


def kind_names(kinds: Mapping[str, str]) -> dict[str, str]:
    """Every name of a kind a table may use (``staff``, ``人员``, ``STAFF``) → the kind."""
    names: dict[str, str] = {}
    for kind, label in kinds.items():
        names[kind.lower()] = kind
        names[normalize_header(label)] = kind
    return names


# --- reading cells ------------------------------------------------------------------------------

EMPTY: Any = object()
"""A blank cell: the field is absent (not null)."""


def number_text(value: int | float) -> str:
    """A number as text, without Excel's ``.0`` on whole numbers (工号 123, not 123.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_date(text: str) -> str:
    """``2026/3/2``, ``2026.3.2``, ``2026年3月2日`` → ``2026-03-02``; anything else unchanged."""
    match = _TEXT_DATE.match(text)
    if match is None:
        return text
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def text_datetime(text: str) -> str:
    """``2026/3/2 9:30`` (as Excel writes it to CSV) → ``2026-03-02T09:30:00``; else unchanged."""
    match = _TEXT_DATETIME.match(text)
    if match is None:
        return text_date(text)
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _split(text: str) -> list[str]:
    for separator in _LIST_SEPARATORS:
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def cell_value(value: Any, column_type: ColumnType) -> Any:
    """A cell (text from CSV; text, number, boolean, date or time from XLSX) as the value of a
    field of ``column_type``; :data:`EMPTY` for a blank cell. Raises :class:`CellError`."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        return _text_value(value, column_type)
    if isinstance(value, bool):
        if column_type in (ColumnType.TEXT, ColumnType.LIST):
            return "true" if value else "false"
        return value
    if isinstance(value, int | float):
        return _number_value(value, column_type)
    if isinstance(value, datetime):
        if column_type is ColumnType.DATE and value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _text_value(value: str, column_type: ColumnType) -> Any:
    text = value.strip()
    if not text:
        return EMPTY
    if len(text) > MAX_CELL_CHARS:
        raise CellError(
            "field_too_large",
            f"内容过长：约 {len(text) / 1_000_000:.1f} 百万字符，"
            f"单元格上限 {MAX_CELL_CHARS // 1_000_000} 百万字符",
        )
    if column_type is ColumnType.DATE:
        return text_date(text)
    if column_type is ColumnType.DATETIME:
        return text_datetime(text)
    if column_type is ColumnType.OBJECT:
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            raise CellError("invalid_json", '应为 JSON 对象（如 {"line": "CRIMINAL"}），无法解析') from None
        if not isinstance(parsed, dict):
            raise CellError("invalid_json", "应为 JSON 对象（{…}）")
        return parsed
    if column_type is ColumnType.LIST and not text.startswith("["):
        return _split(text)
    if column_type is ColumnType.LIST:
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return _split(text)
        return parsed if isinstance(parsed, list) else _split(text)
    return text


def _number_value(value: int | float, column_type: ColumnType) -> Any:
    if column_type is ColumnType.BOOL:
        if value in (0, 1):
            return value == 1
        return number_text(value)
    if column_type in (ColumnType.INTEGER, ColumnType.NUMBER, ColumnType.ANY):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if column_type is ColumnType.LIST:
        return [number_text(value)]
    if column_type is ColumnType.OBJECT:
        raise CellError("invalid_json", "应为 JSON 对象（{…}）")
    return number_text(value)


EXAMPLES: dict[str, dict[str, Any]] = {
    "unit": {"code": "510903", "name": "遂宁市船山区人民检察院", "level": "COUNTY", "parent": "510900"},
    "department": {"unit": "510903", "code": "D2", "name": "第二检察部", "kind": "CRIMINAL"},
    "staff": {
        "id": "00123",
        "name": "何平",
        "unit": "510903",
        "department": "D2",
        "position": "PROSECUTOR",
        "is_quota_prosecutor": "是",
        "joined_on": "2016-09-01",
    },
    "staff_change": {
        "id": "SC1",
        "staff": "00123",
        "effective_on": "2024-01-01",
        "change": "TRANSFER",
        "unit": "510903",
        "department": "D2",
    },
    "lawyer": {
        "id": "15109200110001",
        "name": "邓律",
        "firm_id": "31510000MD0000001X",
        "firm_name": "四川蜀信律师事务所",
    },
    "relation": {
        "id": "RL1",
        "staff": "00123",
        "other_kind": "LAWYER",
        "other": "15109200110001",
        "other_name": "邓律",
        "relation": "CLASSMATE",
    },
    "power": {
        "unit": "510900",
        "decision": "NON_PROSECUTE",
        "kind": "DISCRETIONARY",
        "effective_from": "2021-01-01",
        "positions": "CHIEF、DEPUTY_CHIEF、COMMITTEE_MEMBER",
    },
    "event": {
        "event_id": "SN-0001",
        "case_no": "遂船检刑诉受[2026]510903000101号",
        "unit": "510903",
        "type": "RECEIVED",
        "occurred_at": "2026-03-02T09:00:00+08:00",
        "data.line": "CRIMINAL",
        "data.case_type": "PROSECUTION_REVIEW",
        "data.cause": "故意伤害罪",
        "data.transferred_cause": "故意伤害罪",
        "data.detained": "否",
        "data.fast_track": "否",
        "data.plea": "是",
        "data.agency": "遂宁市公安局船山区分局",
        "data": '{"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW", "cause": "故意伤害罪"}',
    },
}
"""The template's example row, by kind and column (the contract's sample). A required column
not listed gets a value from its type; an optional one stays blank."""

_TYPE_EXAMPLES: dict[ColumnType, Any] = {
    ColumnType.TEXT: "示例",
    ColumnType.DATE: "2026-01-05",
    ColumnType.DATETIME: "2026-03-02T09:30:00+08:00",
    ColumnType.BOOL: "否",
    ColumnType.INTEGER: 1,
    ColumnType.NUMBER: 1,
    ColumnType.LIST: "示例",
    ColumnType.OBJECT: "{}",
    ColumnType.ANY: "示例",
}


def example_cells(layout: KindLayout) -> dict[str, Any]:
    """The template's example row for a kind: template column name → cell value."""
    given = EXAMPLES.get(layout.kind, {})
    cells: dict[str, Any] = {}
    for column in layout.template_columns:
        if column.example is not None:
            cells[column.name] = column.example
        elif column.name in given:
            cells[column.name] = given[column.name]
        elif column.required:
            cells[column.name] = column.choices[0][0] if column.choices else _TYPE_EXAMPLES[column.type]
    return cells
