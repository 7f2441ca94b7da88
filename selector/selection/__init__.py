"""Selection: from embeddings to an ordered subset.

- :mod:`~selector.selection.allocation`: temperature quotas across sources or tasks;
- :mod:`~selector.selection.clustering`: faiss spherical K-Means;
- :mod:`~selector.selection.centres`: task distribution centres, target centres, cluster medoids;
- :mod:`~selector.selection.coreset_plan`: the plan (candidates, first picks, group quotas) for a run;
- :mod:`~selector.selection.coreset`: the exact KCenterGreedy coreset (engines in ``_engines``) and the random
  baseline under the same rules;
- :mod:`~selector.selection.strategies`: the one registry of strategies (``@strategy("name")``, one module
  each), ``STRATEGIES`` (name -> function returning a ``CoresetResult``), which ``coreset.strategy`` and
  ``selector evaluate`` name, and the ``auto`` rule (``resolve_strategy``).

See ``docs/algorithms.md`` sections 2, 4 and 5. faiss and torch are imported only when a name is first used.
"""

from selector._lazy import lazy_exports

_NAMES = {
    "AllocationConfig": "selector.selection.allocation",
    "temperature_quotas": "selector.selection.allocation",
    "presample_indices": "selector.selection.allocation",
    "kmeans": "selector.selection.clustering",
    "KMeansResult": "selector.selection.clustering",
    "task_centres": "selector.selection.centres",
    "target_centre": "selector.selection.centres",
    "cluster_medoids": "selector.selection.centres",
    "CoresetPlan": "selector.selection.coreset_plan",
    "plan_selection": "selector.selection.coreset_plan",
    "kcenter_greedy": "selector.selection.coreset",
    "KCenterGreedy": "selector.selection.coreset",
    "CoresetResult": "selector.selection.coreset",
    "random_selection": "selector.selection.coreset",
    "STRATEGIES": "selector.selection.strategies",
}
__getattr__ = lazy_exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
