"""Fuzzing the readers: malformed JSON, JSON Lines (plain and gzip) and CSV files never crash ``read_corpus``.

Every generated file (a valid file with truncations, bad bytes, NULs, BOMs, UTF-16, lone surrogates, deep nesting,
wrong types, missing keys: see ``io_fuzz_cases``) is read twice. Without ``skip_invalid`` the read succeeds or
raises an :class:`~selector.errors.InputError` naming the file (the CLI's exit 2); with it, the read succeeds and
lists what it skipped. Any other exception fails the test. 2,400 examples in all; ``benchmarks/fuzz_readers.py``
runs many more.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.io_fuzz_cases import malformed_files, read_outcome

EXAMPLES = {"json": 700, "jsonl": 700, "jsonl.gz": 300, "csv": 700}


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One folder for the whole module (hypothesis runs many examples per test; each overwrites its file)."""
    with tempfile.TemporaryDirectory(prefix="selector-fuzz-") as folder:
        yield Path(folder)


def _check(scratch: Path, case: tuple[str, bytes]) -> None:
    suffix, data = case
    path = scratch / f"fuzz{suffix}"
    path.write_bytes(data)
    read_outcome(path, skip_invalid=False)
    read_outcome(path, skip_invalid=True)


BASE = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(BASE, max_examples=EXAMPLES["json"])
@given(case=malformed_files("json"))
def test_fuzz_json(scratch: Path, case: tuple[str, bytes]) -> None:
    _check(scratch, case)


@settings(BASE, max_examples=EXAMPLES["jsonl"])
@given(case=malformed_files("jsonl"))
def test_fuzz_jsonl(scratch: Path, case: tuple[str, bytes]) -> None:
    _check(scratch, case)


@settings(BASE, max_examples=EXAMPLES["jsonl.gz"])
@given(case=malformed_files("jsonl.gz"))
def test_fuzz_jsonl_gz(scratch: Path, case: tuple[str, bytes]) -> None:
    _check(scratch, case)


@settings(BASE, max_examples=EXAMPLES["csv"])
@given(case=malformed_files("csv"))
def test_fuzz_csv(scratch: Path, case: tuple[str, bytes]) -> None:
    _check(scratch, case)
