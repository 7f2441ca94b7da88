"""The sidecar's hex text hashes are decoded in one call when well formed; any malformed entry (white space, which
``bytes.fromhex`` skips, a wrong length, a non-hex digit, a non-string) must still decode entry by entry, so that
only that row fails to match and every other row keeps its place."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from selector.embedding.precomputed import _digests

GOOD = [hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest() for i in range(6)]


def reference(hexes: list) -> list[bytes]:
    out = []
    for h in hexes:
        try:
            out.append(bytes.fromhex(h))
        except (TypeError, ValueError):
            out.append(b"")
    return [np.array(b, dtype="S16").tobytes() for b in out]


@pytest.mark.parametrize(
    "bad",
    [None, " " + GOOD[2][1:], GOOD[2][:30] + " 0", GOOD[2][:31], GOOD[2] + "00", "zz" + GOOD[2][2:], 7],
)
def test_a_malformed_entry_spoils_only_its_own_row(bad: object) -> None:
    hexes = [*GOOD[:2], bad, *GOOD[3:]]
    got = _digests(hexes)
    assert got.dtype == np.dtype("S16") and len(got) == len(hexes)
    assert got.tobytes() == b"".join(reference(hexes))
    assert got[0] == bytes.fromhex(GOOD[0]) and got[5] == bytes.fromhex(GOOD[5])


def test_well_formed_hashes_decode_in_order() -> None:
    got = _digests(GOOD)
    assert got.tobytes() == b"".join(bytes.fromhex(h) for h in GOOD)
    assert len(_digests([])) == 0
