"""One-time links (server/hub/links.py): a token stands for its payload until it is taken
once or expires; the store stays small whatever is asked of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.hub.links import LINK_TTL, OneTimeLinks

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_a_link_is_taken_once_within_its_lifetime():
    links: OneTimeLinks[str] = OneTimeLinks()
    token, expires_at = links.create("report", NOW)
    assert expires_at == NOW + LINK_TTL and len(token) >= 43  # 256 random bits
    assert links.take("x" + token[1:], NOW) is None
    assert links.take(token, NOW + LINK_TTL - timedelta(milliseconds=1)) == "report"
    assert links.take(token, NOW) is None
    late, _ = links.create("late", NOW)
    assert links.take(late, NOW + LINK_TTL) is None
    assert links.take(late, NOW) is None  # an expired token is gone, not kept for later


def test_tokens_are_distinct_and_the_store_is_bounded():
    links: OneTimeLinks[int] = OneTimeLinks(limit=10)
    tokens = [links.create(i, NOW)[0] for i in range(25)]
    assert len(set(tokens)) == 25 and len(links) == 10
    assert links.take(tokens[0], NOW) is None  # the oldest made room
    assert links.take(tokens[-1], NOW) == 24
    links.create(99, NOW + LINK_TTL)  # making a link forgets the expired ones
    assert len(links) == 1
