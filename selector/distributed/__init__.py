"""Past one machine: the sharded coreset as Ray tasks (``pip install selector[ray]``, ``docs/scale.md``).

Ray is imported only when a function here runs, so ``import selector`` never needs it.
"""

from selector.distributed.ray_coreset import run_ray

__all__ = ["run_ray"]
