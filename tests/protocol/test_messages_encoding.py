"""`event_text` builds an event frame around a payload already encoded (the one the store
keeps): it must be byte for byte what encoding the whole event gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import messages as m

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(seq=st.integers(min_value=1, max_value=2**53), at=st.text(), name=st.text(),
       data=st.dictionaries(st.text(), json_values, max_size=5))
def test_event_text_is_the_encoded_event(seq, at, name, data):
    assert m.event_text(seq, at, name, m.encode(data)) == m.encode(m.event(seq, at, name, data))


def test_encode_is_compact_utf8_json_like_the_standard_library():
    message = {"text": {"id": "Loket 3 — silakan", "en": "Counter 3\n"}, "n": 12, "ok": True,
               "none": None, "list": [1.5, "é😀"]}
    assert m.encode(message) == json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    assert m.encode_bytes(message) == m.encode(message).encode()


def test_encode_never_fails_on_what_the_standard_library_accepts():
    assert json.loads(m.encode({"big": 2**70, "small": -2**70})) == {"big": 2**70,
                                                                     "small": -2**70}
    assert m.encode({1: "a"}) == '{"1":"a"}'  # keys become strings, as json does
    assert m.encode({"x": float("nan")}) == '{"x":null}'  # valid JSON, unlike NaN


@pytest.mark.parametrize("frame", [
    '{"type":"ping","x":"\\ud800"}',  # a lone surrogate: not text, could never be sent on
    '{"type":"command","id":"a","name":"ping","args":{},"n":NaN}',
    "[" * 5000 + "]" * 5000,
])
def test_frames_json_cannot_represent_faithfully_are_bad_requests(frame):
    with pytest.raises(m.ProtocolError) as err:
        m.parse(frame)
    assert err.value.code == m.ErrorCode.BAD_REQUEST


@pytest.mark.parametrize(("char", "count", "refused"), [
    ("a", 64 * 1024 - 60, False),  # just under the limit, in bytes
    ("a", 64 * 1024, True),
    ("\U0001F600", 16 * 1024 - 15, False),  # 4 bytes a character: few characters, many bytes
    ("\U0001F600", 16 * 1024, True),
    ("\u00e9", 32 * 1024, True),  # 2 bytes a character
])
def test_the_frame_size_limit_counts_utf8_bytes_not_characters(char, count, refused):
    frame = '{"type":"command","id":"x","name":"ping","args":{"note":"' + char * count + '"}}'
    if refused:
        with pytest.raises(m.ProtocolError, match="larger than"):
            m.parse(frame)
    else:
        assert m.parse(frame)["id"] == "x"
