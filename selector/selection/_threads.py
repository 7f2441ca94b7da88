"""Thread pools of a shard worker process: each of ``workers`` processes gets its share of the cores.

A worker forked from a process that already ran torch or faiss inherits their OpenMP pools sized for the whole
machine; ``workers`` such processes then oversubscribe the cores, and each shard ran 5-8 times slower than in
one process (``docs/scale.md``). The pool initializer sets torch's, faiss's and the BLAS libraries' threads.
"""

from __future__ import annotations

import os
import sys


def share_of_cores(workers: int) -> int:
    """Threads per worker process: the machine's cores split over ``workers`` (at least one)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def limit_threads(n: int) -> None:
    """Set this process's torch, faiss and BLAS/OpenMP thread pools to ``n`` threads (those already imported)."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
