"""Record ids: 26 characters of Crockford base32 that sort like creation time."""

from __future__ import annotations

import base64
import os
import time

import pytest

from hub import ids

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def decode(text: str) -> int:
    return int("".join(f"{CROCKFORD.index(c):05b}" for c in text), 2)


def test_an_id_is_26_url_safe_characters_and_unique() -> None:
    made = {ids.new_id() for _ in range(5000)}
    assert len(made) == 5000
    assert all(len(i) == 26 and set(i) <= set(CROCKFORD) for i in made)


def test_ids_carry_the_millisecond_and_sort_like_creation_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    for millis in (1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000):
        monkeypatch.setattr(time, "time", lambda m=millis: m / 1000)
        made.append(ids.new_id())
        # 48 bits of milliseconds first: the top of the first ten characters' 50 bits
        assert decode(made[-1][:10]) >> 2 == millis
    assert made == sorted(made)


def test_the_random_part_is_the_urandom_bytes_in_rfc4648_base32_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    raw = os.urandom(10)
    monkeypatch.setattr(os, "urandom", lambda n: raw[:n])
    monkeypatch.setattr(time, "time", lambda: 1_750_000_000.123)
    made = ids.new_id()
    millis = int(1_750_000_000.123 * 1000)
    expected = base64.b32encode(millis.to_bytes(6, "big") + raw).decode()[:26]
    to_crockford = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD)
    assert made == expected.translate(to_crockford)
