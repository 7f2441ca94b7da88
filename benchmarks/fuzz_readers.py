"""Fuzz the readers with many more malformed files than the test suite does, and print the outcomes per container.

    python benchmarks/fuzz_readers.py [--examples 5000] [--containers json jsonl jsonl.gz csv] [--seed 0]

The files come from ``tests/io_fuzz_cases.py`` (the generator ``tests/io/test_io_fuzz.py`` uses): valid files of
every format with record-level and byte-level mutations. Each file is read without and with ``skip_invalid``; the
outcomes are ``read``, ``read, records skipped``, ``file skipped`` and ``input error`` (a clean exit 2). Anything
else is counted as ``BROKEN`` with its exception type, and the first such file is kept for each type; the script
exits 1 when there is one. Results: ``benchmarks/results/fuzz_readers.{md,json}``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

import harness
from hypothesis import HealthCheck, Phase, given, seed, settings

harness.use_tests()  # the generator below is shared with tests/io/test_io_fuzz.py
from tests.io_fuzz_cases import malformed_files, read_outcome  # noqa: E402

OUTCOMES = ("read", "read, records skipped", "file skipped", "input error")


def fuzz(container: str, examples: int, folder: Path, rng_seed: int) -> tuple[Counter[str], dict[str, Path]]:
    """Counts of ``(mode, outcome)`` over ``examples`` files of ``container``; the first file of each failure."""
    counts: Counter[str] = Counter()
    kept: dict[str, Path] = {}
    path = folder / f"fuzz-{container}"

    @seed(rng_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=malformed_files(container))
    def run(case: tuple[str, bytes]) -> None:
        suffix, data = case
        file = path.with_suffix(suffix) if container != "jsonl.gz" else path.with_name(path.name + suffix)
        file.write_bytes(data)
        for skip in (False, True):
            mode = "skip" if skip else "strict"
            try:
                counts[f"{mode}: {read_outcome(file, skip_invalid=skip)}"] += 1
            except Exception as exc:  # the point of the script: count what should never happen
                name = f"{mode}: BROKEN {type(exc).__name__}"
                counts[name] += 1
                if name not in kept:
                    kept[name] = folder / f"broken-{container}-{len(kept)}{suffix}"
                    kept[name].write_bytes(data)

    run()
    return counts, kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="files per container")
    parser.add_argument("--containers", nargs="+", default=["json", "jsonl", "jsonl.gz", "csv"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="folder to copy failing files into")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the reader warns about every skipped record; only the counts matter here
    broken = 0
    table = harness.Table(["container", "mode", *OUTCOMES, "BROKEN", "s"])
    kept_lines = []
    with tempfile.TemporaryDirectory(prefix="selector-fuzz-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for container in args.containers:
            seconds, (counts, kept) = harness.timed(lambda c=container: fuzz(c, args.examples, folder, args.seed))
            for mode in ("strict", "skip"):
                bad = sum(n for k, n in counts.items() if k.startswith(f"{mode}: BROKEN"))
                broken += bad
                cells = [counts[f"{mode}: {o}"] for o in OUTCOMES]
                table.add(container, mode, *cells, bad, round(seconds, 1) if mode == "strict" else "")
            for name, file in kept.items():
                kept_lines.append(f"{container} {name}: first case in {file}")
                print(f"    {kept_lines[-1]}" + ("" if args.keep else " (pass --keep DIR to keep it)"))
    verdict = f"{broken:,} broken reads" + (" (see above)" if broken else ": every read succeeded or failed cleanly")
    print(f"\n{verdict}")
    notes = [f"{args.examples:,} files per container, seed {args.seed}", verdict, *kept_lines]
    harness.write_results("fuzz_readers", {"outcomes per container": table}, notes=notes)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
