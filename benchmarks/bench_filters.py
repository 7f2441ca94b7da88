"""Throughput of the filter chain (records/s) on the shared Alpaca corpora, one compiled regex per rule vs the
naive loop of one regex search per word.

Run: ``python benchmarks/bench_filters.py [--repeat 3]`` (needs ../shared/data). Both variants run in this one
process on the same samples, with the same prose extraction (code, quotes and exclusions masked) and the same
other rules; only the word matching differs, and the script checks that both keep exactly the same samples.
The chain is LIMA's rules with the length bounds switched off, so that every rule runs on every record; a
second table times the cleaning transform and the full ``the lima config`` chain. Results:
``benchmarks/results/bench_filters.{md,json}``.

The baseline imports the private ``selector.filters.style._term_regex``: it is the per-word pattern the compiled
alternation is built from, so the baseline matches exactly what the measured rule matches, one word at a time.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Iterable, Mapping

import harness

from selector.config import load_run_config
from selector.filters import Filter, FilterConfig, FilterPipeline, apply_filters, build_filters, clean_samples
from selector.filters.style import FirstPersonFilter, ReferenceFilter, TermMatcher, _term_regex
from selector.io import read_corpus

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the best time is reported")
    args = parser.parse_args()
    paths = [harness.require_data(f) for f in FILES]
    samples = read_corpus(paths).samples
    n = len(samples)
    lima = load_run_config("lima")
    chain = dataclasses.replace(lima.filters, min_chars=None, max_chars=None)

    rows = []
    t_naive, naive = harness.best_of(
        lambda: FilterPipeline(naive_filters(chain)).run(samples, progress=False), args.repeat
    )
    t_fast, fast = harness.best_of(lambda: apply_filters(samples, chain, progress=False), args.repeat)
    assert [s.id for s in naive.kept] == [s.id for s in fast.kept], "the two variants disagree"
    rows.append(("filter chain, per-word re.search (baseline)", t_naive))
    rows.append(("filter chain, one compiled regex per rule", t_fast))
    t_clean, _ = harness.best_of(lambda: clean_samples(samples, lima.cleaning), args.repeat)
    rows.append(("cleaning transform (the lima config)", t_clean))
    t_lima, _ = harness.best_of(lambda: apply_filters(samples, lima.filters, progress=False), args.repeat)
    rows.append(("the lima config filters (length first)", t_lima))

    notes = [
        f"{n:,} records from {len(FILES)} Alpaca files; best of {args.repeat} runs, one process",
        f"kept by the chain: {len(fast.kept):,} (same samples in both variants); drops: {fast.stats['by_reason']}",
    ]
    print("\n".join(notes))
    table = harness.Table(["variant", "seconds", "records/s", "speed-up vs baseline"])
    for name, t in rows:
        table.add(name, round(t, 3), round(n / t), f"{t_naive / t:.2f}x" if name.startswith("filter chain") else "")
    harness.write_results("bench_filters", {"filter chain": table}, notes=notes)


if __name__ == "__main__":
    main()
