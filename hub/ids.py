"""Hub record ids: time-ordered, URL-safe, 26 characters of Crockford base32.

48 bits of milliseconds then 80 random bits. Time order keeps B-tree inserts local and makes
ids sort like creation time.
"""

from __future__ import annotations

import os
import time

# Crockford's alphabet is in ASCII order, so ids sort as their bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> two characters
_SHIFTS = tuple(range(120, -1, -10))


def new_id() -> str:
    """Return a new id (backfills make two a record: keep it cheap)."""
    bits = (int(time.time() * 1000) << 80 | int.from_bytes(os.urandom(10), "big")) << 2
    return "".join([_PAIRS[(bits >> shift) & 1023] for shift in _SHIFTS])
