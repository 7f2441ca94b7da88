"""Throughput of the filter chain (records/s) on the shared Alpaca corpora, one compiled regex per rule vs the
naive loop of one regex search per word.

Run: ``python benchmarks/bench_filters.py [--repeat 3]`` (needs ../shared/data). Both variants run in this one
process on the same samples, with the same prose extraction (code, quotes and exclusions masked) and the same
other rules; only the word matching differs, and the script checks that both keep exactly the same samples.
The chain is LIMA's rules with the length bounds switched off, so that every rule runs on every record; a
second table times the cleaning transform and the full ``the lima config`` chain.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from selector.config import load_run_config
from selector.filters import Filter, FilterConfig, FilterPipeline, apply_filters, build_filters, clean_samples
from selector.filters.style import FirstPersonFilter, ReferenceFilter, TermMatcher, _term_regex
from selector.io import read_corpus

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
FILES = [
    "alpaca_chinese_zh-data-part-00.json",
    "alpaca_chinese_zh-data-part-01.json",
    "code_alpaca_2k.json",
    "new_codealpaca.json",
]


class NaiveMatcher(TermMatcher):
    """The baseline: the same visible text, then one ``re.search`` per word (patterns cached by ``re``)."""

    def __init__(self, terms: Mapping[str, Iterable[str]], exclude=None, *, ignore_quoted=True, key="terms"):
        super().__init__(terms, exclude, ignore_quoted=ignore_quoted, key=key)
        words = sorted({t for ts in terms.values() for t in ts}, key=lambda t: (-len(t), t))
        # per word, the same rules as the compiled alternation (whole word, case rule, code context)
        self.words = [_term_regex(w) for w in words]

    def search(self, text: str) -> str | None:
        if not text:
            return None
        visible = self.visible(text)
        for pattern in self.words:
            m = re.search(pattern, visible)
            if m:
                return m.group(0)
        return None


def naive_filters(config: FilterConfig) -> list[Filter]:
    out = []
    for f in build_filters(config):
        if isinstance(f, FirstPersonFilter):
            f.matcher = NaiveMatcher(config.first_person_words, config.first_person_exclude)
        elif isinstance(f, ReferenceFilter):
            f.matcher = NaiveMatcher(config.reference_phrases)
        out.append(f)
    return out


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the best time is reported")
    args = parser.parse_args()
    paths = [DATA / f for f in FILES]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise SystemExit(f"shared corpora not found: {', '.join(missing)}")
    samples = read_corpus(paths).samples
    n = len(samples)
    lima = load_run_config("lima")
    chain = dataclasses.replace(lima.filters, min_chars=None, max_chars=None)

    rows = []
    t_naive, naive = best_of(args.repeat, lambda: FilterPipeline(naive_filters(chain)).run(samples, progress=False))
    t_fast, fast = best_of(args.repeat, lambda: apply_filters(samples, chain, progress=False))
    assert [s.id for s in naive.kept] == [s.id for s in fast.kept], "the two variants disagree"
    rows.append(("filter chain, per-word re.search (baseline)", t_naive))
    rows.append(("filter chain, one compiled regex per rule", t_fast))
    t_clean, _ = best_of(args.repeat, lambda: clean_samples(samples, lima.cleaning))
    rows.append(("cleaning transform (the lima config)", t_clean))
    t_lima, _ = best_of(args.repeat, lambda: apply_filters(samples, lima.filters, progress=False))
    rows.append(("the lima config filters (length first)", t_lima))

    print(f"{n:,} records from {len(FILES)} Alpaca files; best of {args.repeat} runs, one process")
    print(f"kept by the chain: {len(fast.kept):,}; drops: {fast.stats['by_reason']}")
    width = max(len(r[0]) for r in rows)
    print(f"{'variant':<{width}}  {'seconds':>8}  {'records/s':>10}  {'speed-up':>8}")
    for name, t in rows:
        speed = f"{t_naive / t:.2f}x" if name.startswith("filter chain") else ""
        print(f"{name:<{width}}  {t:8.3f}  {n / t:10,.0f}  {speed:>8}")


if __name__ == "__main__":
    main()
