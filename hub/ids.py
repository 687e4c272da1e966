"""Hub record ids: time-ordered, URL-safe, 26 characters of Crockford base32.

48 bits of milliseconds then 80 random bits. Time order keeps B-tree inserts local and makes
ids sort like creation time.
"""

from __future__ import annotations

import base64
import os
import time

# RFC 4648 base32 -> Crockford's alphabet, which is in ASCII order, so ids sort as their bits.
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                           "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_id() -> str:
    """Return a new id."""
    raw = int(time.time() * 1000).to_bytes(6, "big") + os.urandom(10)
    return base64.b32encode(raw).decode("ascii")[:26].translate(_CROCKFORD)
