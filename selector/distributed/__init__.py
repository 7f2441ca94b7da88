"""Past one machine (``pip install selector[ray]``, ``docs/scale.md``): the sharded coreset as Ray tasks, and
embedding through Ray Data encoder actors that fill the usual cache.

Ray is imported only when a function here runs, so ``import selector`` never needs it.
"""

from selector.distributed.ray_coreset import run_ray
from selector.distributed.ray_embed import embed_ray, fill_cache_ray
from selector.distributed.session import import_ray, ray_session

__all__ = ["embed_ray", "fill_cache_ray", "import_ray", "ray_session", "run_ray"]
