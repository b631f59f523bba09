"""`event_text` builds an event frame around a payload already encoded (the one the store
keeps): it must be byte for byte what encoding the whole event gives."""

from __future__ import annotations

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
