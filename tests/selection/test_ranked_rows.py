"""A ranking strategy sees the candidate rows: ``X`` itself when every row is a candidate (no copy of the whole
matrix at 1M rows, 1.5 GB), else those rows only, with the seeds mapped to their positions among them."""

from __future__ import annotations

import numpy as np

from selector.selection.strategies._ranked import ranked_result


def test_all_candidates_rank_x_itself_and_a_subset_ranks_its_rows() -> None:
    X = np.random.default_rng(0).standard_normal((40, 4)).astype(np.float32)
    seen: list[tuple[np.ndarray, list[int]]] = []

    def rank(sub, budget, *, seeds, **_):
        seen.append((sub, list(seeds)))
        return np.asarray([*seeds, *[i for i in range(sub.shape[0]) if i not in seeds]][:budget], dtype=np.int64)

    res = ranked_result("t", rank, X, 5, seeds=[7, 3, 7], eligible=np.ones(40, dtype=bool))
    assert seen[0][0] is X and seen[0][1] == [7, 3, 7]
    assert res.indices.tolist() == [7, 3, 7, 0, 1][:5]

    eligible = np.zeros(40, dtype=bool)
    eligible[[2, 3, 9, 20, 31]] = True
    res = ranked_result("t", rank, X, 3, seeds=[31, 5, 3], eligible=eligible)
    sub, seeds = seen[1]
    assert np.array_equal(sub, X[[2, 3, 9, 20, 31]]) and seeds == [4, 1]  # row 5 is no candidate: dropped
    assert res.indices.tolist() == [31, 3, 2]
