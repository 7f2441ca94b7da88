"""Shared fixtures.

Real corpora live in ``../shared/data`` beside the repository; tests that need them use the ``shared_data``
fixture, which skips with a clear reason when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATA} (they sit beside the repository in ../shared/data)")
    return SHARED_DATA
