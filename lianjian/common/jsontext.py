"""JSON text on the import's hot path: orjson where it gives the same result, the standard library
where it might not.

Importing ten million events parses and writes ten million JSON objects, and the standard
library's ``json`` spends most of the importer's time. orjson is several times faster but not a
drop-in replacement: it reads an integer beyond 64 bits as a float (losing digits), and it cannot
write one. So:

- :func:`loads` gives every text orjson rejects to ``json`` — which either raises the error the
  importer has always reported, or accepts what ``json`` accepts (a lone surrogate, for the caller
  to refuse) — and reads again with ``json`` any text whose value holds a float, since that float
  may be an integer orjson could not hold. The result is always what ``json.loads`` returns.
- :func:`dumps` and :func:`canonical` fall back to ``json`` for values orjson cannot write. The
  output of both libraries is compact UTF-8 with the same escapes; they differ only in how a few
  floats are spelled (``1e-05`` and ``0.00001``), so each value is always written by the same
  library and its digest is stable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def _has_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float anywhere (plain loops: this runs on every line)."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind is float
    for item in items:
        kind = type(item)
        if kind is float or ((kind is dict or kind is list) and _has_float(item)):
            return True
    return False


def loads(text: str, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """``json.loads(text, parse_constant=…)``: the same value, or the same exception.

    orjson refuses ``NaN`` and ``Infinity``, so ``json`` (and ``parse_constant``) decides those.
    A float in orjson's result may be an integer too long for 64 bits, so text with any float
    (rare in events) is read again by ``json``.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=parse_constant)
    if _has_float(value):
        return json.loads(text, parse_constant=parse_constant)
    return value


def dumps(value: Any) -> str:
    """Compact JSON text (for a JSON column)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical(value: Any) -> bytes:
    """Compact UTF-8 JSON with sorted keys: equal values, equal bytes (for digests)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        return text.encode("utf-8")
