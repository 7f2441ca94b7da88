"""Proxies for "does training on these records teach more than on random ones" (``docs/algorithms.md`` section 7).

All of them work in an independent representation: word uni- and bigram TF-IDF of the *prompts* (scikit-learn,
sublinear term frequency, L2-normalised rows), fitted on the pool's prompts only. The selector never selects in
this space, so a strategy cannot win here by construction, as it would in its own embedding space. Word n-grams
rather than character n-grams: they hold about a tenth of the non-zeros per prompt, which makes the hundreds of
nearest-selected searches of an evaluation affordable on a CPU, and they still separate templates and topics.

Direction: :data:`HIGHER_IS_BETTER` says, per proxy, which way is better; percentiles against random are computed
so that a higher percentile is better for every proxy (the lower-is-better ones are negated first).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from selector.measures.novelsum import density_factors, novelsum
from selector.measures.probe import Probe

HIGHER_IS_BETTER = {
    "transfer": True,
    "coverage_mean": False,
    "coverage_p95": False,
    "tasks_hit": True,
    "task_kl": False,
    "vendi": True,
    "novelsum": True,
    "probe": True,
    "finetune": True,
}
"""Proxy name -> whether a larger value is better (``task_kl`` is reported, not a goal: quotas move it on purpose)."""

PROXIES = {
    "transfer": ("transfer",),
    "coverage": ("coverage_mean", "coverage_p95"),
    "mix": ("tasks_hit", "task_kl"),
    "vendi": ("vendi",),
    "novelsum": ("novelsum",),
    "probe": ("probe",),
    "finetune": ("finetune",),
}
"""The proxies a caller can ask for (``proxies=``) -> the figures each one reports. ``finetune`` (a pretrained
encoder fine-tuned per task, :mod:`selector.measures.finetune`) is opt-in: it is the costly one."""
DEFAULT_PROXIES = ("transfer", "coverage", "mix", "vendi", "novelsum", "probe")

_EOT = "<|endoftext|>"


def normalise_answer(text: str) -> str:
    """An answer for exact-match comparison: end-of-text marker removed, NFKC, case-folded, white space collapsed,
    surrounding punctuation and white space stripped ("Positive." == "positive")."""
    text = unicodedata.normalize("NFKC", text.replace(_EOT, "")).casefold()
    return " ".join(text.split()).strip(" .,;:!?\"'")


def tfidf_space(pool_prompts: Sequence[str], max_features: int = 2**18):
    """The fitted vectoriser of the proxies (word 1-2 grams, sublinear tf, ``min_df=2``), fitted on the pool."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=max_features, dtype=np.float32)
    vec.fit(pool_prompts)
    return vec


def nearest(query: sparse.csr_matrix, selected: sparse.csr_matrix, block: int = 1 << 22) -> tuple[np.ndarray, ...]:
    """For every row of ``query``, its best cosine to a row of ``selected`` and that row's position (ties: the
    lowest position; a row sharing no term with any selected row gets cosine 0 and position 0)."""
    m, b = query.shape[0], selected.shape[0]
    best = np.zeros(m, dtype=np.float64)
    arg = np.zeros(m, dtype=np.int64)
    if b == 0:
        return best, arg
    sel_t = selected.T.tocsc()
    step = max(1, block // b)
    for start in range(0, m, step):
        dense = (query[start : start + step] @ sel_t).toarray()
        arg[start : start + step] = np.argmax(dense, axis=1)
        best[start : start + step] = dense[np.arange(dense.shape[0]), arg[start : start + step]]
    return best, arg


def nearest_cosine(query: sparse.csr_matrix, selected: sparse.csr_matrix, block: int = 1 << 22) -> np.ndarray:
    """The best cosine of :func:`nearest` alone, read off the sparse products (no dense block, no argmax): for
    every row of ``query``, the largest of its stored products with the selected rows, or 0 where some selected
    row shares no term with it (an implicit 0 of the product). The same floats as :func:`nearest`'s ``best``."""
    m, b = query.shape[0], selected.shape[0]
    best = np.zeros(m, dtype=np.float64)
    if b == 0:
        return best
    sel_t = selected.T.tocsc()
    step = max(1, block // b)
    for start in range(0, m, step):
        prod = sparse.csr_matrix(query[start : start + step] @ sel_t)
        stored = np.diff(prod.indptr)
        rows = np.flatnonzero(stored)
        if not len(rows):
            continue
        top = np.maximum.reduceat(prod.data, prod.indptr[rows])
        top = np.where(stored[rows] < b, np.maximum(top, top.dtype.type(0)), top)
        best[start + rows] = top
    return best


def transfer(test_X, test_answers: np.ndarray, test_tasks: np.ndarray, sel_X, sel_answers: np.ndarray) -> float:
    """Nearest-neighbour answer transfer: accuracy on the held-out prompts, averaged over tasks.

    Each held-out prompt takes the answer of its most similar selected prompt (TF-IDF cosine); a hit is an exact
    match after :func:`normalise_answer` (answers are given as integer ids of normalised strings). Accuracy is
    per task, then the unweighted mean over the tasks that have held-out prompts.

    What it shows: whether the selection holds, for each kind of request, examples whose answers carry over, which
    is what a fine-tuned model needs first for classification-like tasks (labels, options, short answers).
    What it cannot show: anything about generation quality (long free-text answers almost never match exactly,
    so such tasks score about 0 for every selection), nor what a model would generalise beyond copying the nearest
    example; a 1-NN learner rewards hitting every task and its typical answer, not hard or rich examples.
    """
    _, arg = nearest(test_X, sel_X)
    hits = (sel_answers[arg] == test_answers).astype(np.float64) if sel_X.shape[0] else np.zeros(len(test_answers))
    tasks, inv = np.unique(test_tasks, return_inverse=True)
    per_task = np.bincount(inv, weights=hits, minlength=len(tasks)) / np.bincount(inv, minlength=len(tasks))
    return float(per_task.mean())


def coverage(pool_X, sel_X) -> tuple[float, float]:
    """Mean and 95th percentile (numpy's linear interpolation) of the cosine distance ``1 - cos`` from each pool
    row to its nearest selected row, in the TF-IDF space; lower is better.

    What it shows: how well the selection represents the whole pool, typical record (mean) and the tail (p95),
    in a space the selector did not optimise. What it cannot show: whether the covered records are worth
    learning from; a selection of near-duplicates of the commonest template can cover well and teach little.
    """
    best = nearest_cosine(pool_X, sel_X)
    dist = 1.0 - np.clip(best, 0.0, 1.0)
    return float(dist.mean()), float(np.percentile(dist, 95))


def task_mix(pool_tasks: np.ndarray, sel_tasks: np.ndarray) -> tuple[int, float]:
    """Tasks hit by the selection, and ``KL(selection's task shares || pool's task shares)`` in nats.

    What it shows: whether every task is represented, and how far the mix departs from the pool's. What it cannot
    show: which mix is best; temperature quotas move the mix away from the pool's on purpose, so the KL divergence
    is reported, not a goal.
    """
    tasks, pool_counts = np.unique(pool_tasks, return_counts=True)
    sel_counts = np.zeros(len(tasks))
    pos = np.searchsorted(tasks, sel_tasks)
    np.add.at(sel_counts, pos, 1.0)
    if sel_counts.sum() == 0:
        return 0, math.nan
    p = sel_counts / sel_counts.sum()
    q = pool_counts / pool_counts.sum()
    nz = p > 0
    return int(nz.sum()), float(np.sum(p[nz] * np.log(p[nz] / q[nz])))


def vendi(sel_X) -> float:
    """Vendi score (arXiv 2210.02410) of the selection under the cosine kernel of the TF-IDF space.

    ``exp(entropy of the eigenvalues of K / m)`` with ``K_ij = cos(x_i, x_j)``: the effective number of distinct
    records, from 1 (all alike) to ``m`` (all orthogonal). What it shows: spread of the selection itself. What it
    cannot show: coverage of the pool (outliers raise it) or usefulness; higher is not always better for training.
    """
    m = sel_X.shape[0]
    if m == 0:
        return 0.0
    K = (sel_X @ sel_X.T).toarray().astype(np.float64) / m
    with threadpool_limits(1):  # a few hundred rows: BLAS threads only contend (100x slower on a busy machine)
        lam = np.linalg.eigvalsh(K)
    lam = lam[lam > 1e-12]
    return float(np.exp(-np.sum(lam * np.log(lam))))


@dataclass
class ProxyData:
    """Everything the proxies need about one split, built once: TF-IDF rows of the pool and of the test prompts
    (L2-normalised CSR float32), answer ids (shared between pool and test), task ids, and the pool rows on which
    coverage is measured (all of them, or a fixed seeded sample; the same for every selection, so comparisons
    stay paired)."""

    pool_X: sparse.csr_matrix
    test_X: sparse.csr_matrix
    pool_answers: np.ndarray
    test_answers: np.ndarray
    pool_tasks: np.ndarray
    test_tasks: np.ndarray
    coverage_rows: np.ndarray
    probe: Probe | None = None
    proxies: tuple[str, ...] = DEFAULT_PROXIES
    sigma: np.ndarray | None = None
    finetune: Any = None
    """A :class:`~selector.measures.finetune.FinetuneProxy` when ``finetune`` is asked for (set by the caller,
    which knows the encoder)."""

    @classmethod
    def build(
        cls,
        pool_prompts: Sequence[str],
        pool_answers: Sequence[str],
        pool_tasks: Sequence[str],
        test_prompts: Sequence[str],
        test_answers: Sequence[str],
        test_tasks: Sequence[str],
        *,
        coverage_sample: int | None = None,
        seed: int = 0,
        proxies: Sequence[str] = DEFAULT_PROXIES,
    ) -> ProxyData:
        """Fit the TF-IDF space on the pool prompts and encode answers and tasks as integer ids; ``proxies``
        (names of :data:`PROXIES`) are the ones :meth:`measure` reports."""
        vec = tfidf_space(pool_prompts)
        answers = {a: i for i, a in enumerate(sorted({normalise_answer(a) for a in [*pool_answers, *test_answers]}))}
        task_ids = {t: i for i, t in enumerate(sorted({*pool_tasks, *test_tasks}))}
        n = len(pool_prompts)
        rows = np.arange(n, dtype=np.int64)
        if coverage_sample is not None and coverage_sample < n:
            rows = np.sort(np.random.default_rng(seed).choice(n, coverage_sample, replace=False))
        data = cls(
            pool_X=sparse.csr_matrix(vec.transform(pool_prompts), dtype=np.float32),
            test_X=sparse.csr_matrix(vec.transform(test_prompts), dtype=np.float32),
            pool_answers=np.asarray([answers[normalise_answer(a)] for a in pool_answers], dtype=np.int64),
            test_answers=np.asarray([answers[normalise_answer(a)] for a in test_answers], dtype=np.int64),
            pool_tasks=np.asarray([task_ids[t] for t in pool_tasks], dtype=np.int64),
            test_tasks=np.asarray([task_ids[t] for t in test_tasks], dtype=np.int64),
            coverage_rows=rows,
            proxies=tuple(p for p in PROXIES if p in set(proxies)),
        )
        if "probe" in data.proxies:
            data.probe = Probe.build(
                data.pool_X, data.test_X, data.pool_answers, data.test_answers, data.pool_tasks, data.test_tasks
            )
        if "novelsum" in data.proxies:
            data.sigma = density_factors(data.pool_X, data.pool_X[rows])
        return data

    def figures(self, finetune: bool = True) -> list[str]:
        """The figures :meth:`measure` reports, in :data:`HIGHER_IS_BETTER` order (``finetune=False``: without
        the fine-tuned proxy, as for the random draws past its own smaller count)."""
        names = {f for p in self.proxies if finetune or p != "finetune" for f in PROXIES[p]}
        return [f for f in HIGHER_IS_BETTER if f in names]

    def measure(self, picks: np.ndarray, finetune: bool = True) -> dict[str, float]:
        """The asked-for proxies of the selection ``picks`` (pool row indices), keyed as :data:`HIGHER_IS_BETTER`
        (see :meth:`figures`)."""
        picks = np.asarray(picks, dtype=np.int64)
        sel_X = self.pool_X[picks]
        want = set(self.figures(finetune))
        out: dict[str, float] = {}
        if "transfer" in want:
            out["transfer"] = transfer(self.test_X, self.test_answers, self.test_tasks, sel_X, self.pool_answers[picks])
        if "coverage_mean" in want:
            out["coverage_mean"], out["coverage_p95"] = coverage(self.pool_X[self.coverage_rows], sel_X)
        if "tasks_hit" in want:
            hit, out["task_kl"] = task_mix(self.pool_tasks, self.pool_tasks[picks])
            out["tasks_hit"] = float(hit)
        if "vendi" in want:
            out["vendi"] = vendi(sel_X)
        if "novelsum" in want and self.sigma is not None:
            out["novelsum"] = novelsum(sel_X, self.sigma[picks])
        if "probe" in want:
            out["probe"] = self.probe.score(picks) if self.probe is not None else float("nan")
        if "finetune" in want:
            out["finetune"] = self.finetune.score(picks) if self.finetune is not None else float("nan")
        return {k: out[k] for k in HIGHER_IS_BETTER if k in out}


def percentile(value: float, randoms: Sequence[float], higher_is_better: bool) -> float:
    """The place of ``value`` among the random values, 0-100, higher = better for every proxy.

    Mid-rank: ``100 * (worse + 0.5 * tied) / R``, where *worse* counts the random values strictly worse than
    ``value``; so a value equal to every random one is at 50, above all of them at 100, below all at 0.
    """
    r = np.asarray(randoms, dtype=np.float64)
    if r.size == 0 or math.isnan(value):
        return math.nan
    worse = np.sum(r < value) if higher_is_better else np.sum(r > value)
    tied = np.sum(r == value)
    return float(100.0 * (worse + 0.5 * tied) / r.size)
