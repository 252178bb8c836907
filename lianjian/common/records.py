"""What every importable record kind shares (DATA_CONTRACT.md §1), below every domain app.

The importer (``lianjian.ingest``) sits above the domain apps, and each domain app defines its own
records in ``<app>/records.py``; both meet here: the pydantic base of a record, the contract's
date and boolean types, where a record came from, an error about it, and the protocols — the
record kind a domain app implements (and, for reference data held whole, its handler), and the
batch context the importer hands a handler.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

Key = tuple[str, ...]
"""A record's identity: the values of its key fields, as text (``("510903", "D2")``)."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, order=True)
class Location:
    """Where a record came from: the file (or upload) name and its 1-based line or row.

    Line 0 stands for the file as a whole (unreadable, empty, wrong format).
    """

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Issue:
    """One error of a batch: where, which field, an English code and a Chinese message."""

    location: Location
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.location.source,
            "line": self.location.line,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.location} {self.field or '-'} {self.message} [{self.code}]"


R = TypeVar("R", bound="RecordModel")


@dataclass(frozen=True)
class Located(Generic[R]):
    """A validated record and where it came from."""

    location: Location
    record: R


def _contract_date(value: Any) -> Any:
    """Dates are exactly ``YYYY-MM-DD`` (DATA_CONTRACT.md §1): no times, no timestamps."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("invalid_date", "日期应为 YYYY-MM-DD 格式")


def _contract_bool(value: Any) -> Any:
    """Booleans: JSON true/false, and in tables also 是/否, true/false, 1/0."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"是", "true", "1", "y", "yes"}:
            return True
        if text in {"否", "false", "0", "n", "no"}:
            return False
        raise PydanticCustomError("invalid_bool", "应为 true 或 false")
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise PydanticCustomError("invalid_bool", "应为 true 或 false")


ContractDate = Annotated[date, BeforeValidator(_contract_date)]
ContractBool = Annotated[bool, BeforeValidator(_contract_bool)]


class RecordModel(BaseModel):
    """Base of every record model: unknown fields are kept in ``extra`` (stored, ignored).

    Field ``title``s are the Chinese names used in messages and accepted as CSV/XLSX headers.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )

    extra: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_fields(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        known = set(cls.model_fields) - {"extra"}
        values = {name: value for name, value in data.items() if name in known}
        values["extra"] = {str(name): value for name, value in data.items() if name not in known}
        return values


@dataclass
class KindPlan:
    """What writing one kind's records would do; computed before anything is written.

    ``update`` holds (record, before, after) with only the changed contract values; ``derived``
    counts rows written as a consequence (law firms of lawyers, paths of a moved subtree);
    ``state`` is private to the handler that made the plan.
    """

    kind: str
    create: list[Located[Any]] = field(default_factory=list)
    update: list[tuple[Located[Any], dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    derived: dict[str, dict[str, int]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return (
            not self.create
            and not self.update
            and not any(
                counts.get("created", 0) or counts.get("updated", 0) for counts in self.derived.values()
            )
        )


class RecordContext(Protocol):
    """What a handler may ask of the batch being imported (implemented by ``lianjian.ingest``)."""

    actor: Any
    batch_id: int | None
    """The import batch being written (its id, once writing begins), for rows that name it."""

    def batch(self, kind: str) -> Mapping[Key, Located[Any]]:
        """The batch's records of ``kind`` by key (one per key; identical repeats removed)."""
        ...

    def require(self, kind: str, keys: Collection[Key]) -> None:
        """Load the database rows of ``kind`` with these keys (one bulk query for all missing)."""
        ...

    def existing(self, kind: str) -> dict[Key, Any]:
        """The database rows of ``kind`` loaded so far, by key (handlers add what they write)."""
        ...

    def known(self, kind: str, key: Key) -> bool:
        """Whether ``key`` exists in the batch or (once required) in the database."""
        ...

    def report(self, located: Located[Any], field: str, code: str, message: str) -> None:
        """Record an error about ``located`` (the batch will be rejected)."""
        ...


class RecordKind(Protocol):
    """One record kind of the contract, as the registry lists it: its name, schema and key.

    Every registered kind implements this; each kind of reference data is also a
    :class:`RecordHandler`. The ``event`` kind is not: its records are checked and written as a
    stream, chunk by chunk (``lianjian.cases.stream.EventStream``), never held whole.
    """

    @property
    def kind(self) -> str: ...
    @property
    def label(self) -> str:
        """The kind's Chinese name (单位, 人员 …)."""
        ...

    @property
    def schema(self) -> type[RecordModel]:
        """The pydantic model of one record of this kind."""
        ...

    def key(self, record: Any) -> Key: ...
    def load(self, keys: Collection[Key]) -> dict[Key, Any]: ...


class RecordHandler(RecordKind, Protocol):
    """A record kind of reference data, held whole: its checks and writes.

    The importer calls, for every such kind in the registry's order: ``check`` (references
    against the database and the whole batch, reported through ``ctx.report``), then — when the
    batch has no error — ``plan`` (created/updated/unchanged, nothing written) and ``write`` (bulk
    writes and their audit events, inside the batch's one transaction).
    """

    def check(self, ctx: RecordContext) -> None: ...
    def plan(self, ctx: RecordContext) -> KindPlan: ...
    def write(self, ctx: RecordContext, plan: KindPlan) -> None: ...
