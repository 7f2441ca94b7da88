"""``nearest_cosine`` (what coverage reads) gives exactly the best cosine of ``nearest`` (what transfer reads)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from selector.measures.proxies import nearest, nearest_cosine


@pytest.mark.parametrize("seed", range(6))
def test_the_best_cosine_read_off_the_sparse_products_is_the_dense_one(seed):
    rng = np.random.default_rng(seed)
    m, b, v = int(rng.integers(1, 60)), int(rng.integers(1, 9)), 40
    sign = -1.0 if seed % 3 == 0 else 1.0  # negative products too: an implicit 0 must then win where it exists
    query = sparse.random(m, v, density=0.08, random_state=seed, dtype=np.float32, format="csr")
    selected = sparse.random(b, v, density=0.3, random_state=seed + 99, dtype=np.float32, format="csr") * sign
    for block in (1, 7, 1 << 22):  # products split over row blocks of every size
        expected, _ = nearest(query, selected, block=block)
        got = nearest_cosine(query, selected, block=block)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_no_selected_rows_gives_zeros():
    query = sparse.csr_matrix(np.eye(3, dtype=np.float32))
    assert nearest_cosine(query, sparse.csr_matrix((0, 3), dtype=np.float32)).tolist() == [0.0, 0.0, 0.0]
