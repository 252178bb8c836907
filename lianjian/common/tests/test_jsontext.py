"""The fast JSON helpers give exactly what the standard library gives (or raise as it does)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianjian.common import jsontext

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _refuse(name: str) -> Any:
    raise ValueError(name)


def _outcome(text: str) -> tuple[str, Any]:
    try:
        return "value", json.loads(text, parse_constant=_refuse)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return "error", type(exc)


def _fast_outcome(text: str) -> tuple[str, Any]:
    try:
        return "value", jsontext.loads(text, parse_constant=_refuse)
    except ValueError as exc:
        return "error", type(exc)


@settings(max_examples=300)
@given(values)
def test_loads_reads_what_json_wrote_as_json_does(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert _fast_outcome(text) == _outcome(text)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_loads_of_any_text_agrees_with_json(text: str) -> None:
    assert _fast_outcome(text) == _outcome(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 123456789012345678901234567890}',  # beyond 64 bits: orjson would give a float
        '{"n": -9223372036854775809}',
        '{"s": "\\ud800"}',  # a lone surrogate: json accepts it, orjson does not
        '{"n": 1e400}',  # json reads infinity
        '{"n": NaN}',  # refused by parse_constant
        '{"a": 1, "a": 2}',
        "[1,]",
        "",
    ],
)
def test_loads_edge_cases_agree_with_json(text: str) -> None:
    assert _fast_outcome(text) == _outcome(text)
    if _outcome(text)[0] == "value":
        assert jsontext.loads(text) == json.loads(text)


def test_a_long_integer_keeps_every_digit() -> None:
    assert jsontext.loads('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


@settings(max_examples=300)
@given(values)
def test_dumps_round_trips(value: Any) -> None:
    assert json.loads(jsontext.dumps(value)) == value


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_canonical_is_independent_of_key_order(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert jsontext.canonical(reordered) == jsontext.canonical(value)
    assert json.loads(jsontext.canonical(value)) == value


def test_canonical_matches_the_standard_librarys_canonical_form_for_plain_values() -> None:
    value = {"b": [1, "中文", None, True], "a": {"y": 'x\n"', "x": -5}}
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert jsontext.canonical(value) == expected


def test_values_orjson_cannot_write_fall_back_to_json() -> None:
    assert jsontext.dumps({"n": 2**70}) == '{"n":1180591620717411303424}'
    assert jsontext.canonical({"b": 2**70, "a": 1}) == b'{"a":1,"b":1180591620717411303424}'
