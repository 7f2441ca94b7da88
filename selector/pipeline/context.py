"""What a run carries from stage to stage: :class:`RunContext` and its :class:`ManifestBuilder`.

Each stage of :mod:`selector.pipeline.stages` reads the slots filled by the stages before it and fills its own
(the slot names are the stage's output: ``corpus`` after read, ``pool`` from read on, narrowed by the filters and
given its vectors by embed, ``kmeans`` after cluster, ...). A slot still ``None`` means its stage has not run (or
did not apply). The manifest is assembled
from the sections the stages add, merged key by key, in the order they were added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.pipeline.manifest import StageTimer

if TYPE_CHECKING:
    from selector.config import RunConfig
    from selector.filters import FilterResult
    from selector.filters.dedup.semantic import PoolDedup
    from selector.io import Corpus
    from selector.io.guard import OutputGuard
    from selector.pipeline.pool import Pool
    from selector.pipeline.request import SelectRequest
    from selector.sample import Sample
    from selector.selection.clustering import KMeansResult
    from selector.selection.coreset import CoresetResult
    from selector.selection.coreset_plan import CoresetPlan
    from selector.selection.coverage import Coverage


class ManifestBuilder:
    """The manifest as sections added by the stages; a section that names an existing key is merged into it (one
    level of dicts deep), so ``counts`` can grow stage by stage.

    >>> m = ManifestBuilder()
    >>> m.add({"counts": {"read": 3}})
    >>> m.add({"counts": {"selected": 1}, "seed": 0})
    >>> m.build()
    {'counts': {'read': 3, 'selected': 1}, 'seed': 0}
    """

    def __init__(self) -> None:
        self._sections: dict[str, Any] = {}

    def add(self, sections: Mapping[str, Any]) -> None:
        for key, value in sections.items():
            old = self._sections.get(key)
            if isinstance(old, dict) and isinstance(value, Mapping):
                old.update(value)
            else:
                self._sections[key] = dict(value) if isinstance(value, Mapping) else value

    def build(self) -> dict[str, Any]:
        return self._sections


@dataclass
class Picked:
    """What the pick stage chose.

    ``result`` is the ranked selection (:class:`~selector.selection.coreset.CoresetResult`); ``quotas`` the most
    picks per group a random baseline of the same rules may take (the plan's, or under a token budget the picks
    per group); ``quota_by_name`` the quotas the manifest shows; ``tokens`` the token-budget section or ``None``.
    """

    result: CoresetResult
    quotas: list[int] | None
    quota_by_name: dict[str, int]
    tokens: dict[str, Any] | None = None

    @property
    def indices(self) -> np.ndarray:
        return np.asarray(self.result.indices, dtype=np.int64)


@dataclass
class RunContext:
    """One run's state: the request, its config and timer, the manifest, and one slot per stage output.

    The samples in play, with their vectors, labels and token counts, are one :class:`~selector.pipeline.pool.Pool`
    (``pool``) that the stages narrow as they drop samples. Which slots a stage reads and fills is declared on the
    stage (``needs``, ``fills``) and checked by :func:`~selector.pipeline.stages.base.run_stages`.
    """

    request: SelectRequest
    config: RunConfig
    timer: StageTimer = field(default_factory=StageTimer)
    manifest: ManifestBuilder = field(default_factory=ManifestBuilder)
    guard: OutputGuard | None = None
    corpus: Corpus | None = None
    cleaned: list[Sample] | None = None
    clean_stats: dict[str, Any] = field(default_factory=dict)
    filtered: FilterResult | None = None
    filter_pass: Any = None  # a FilterPass the read stage feeds, until the filter stage finishes it
    text_hashes: np.ndarray | None = None  # (len(corpus),) S16 under encoder.template, from the filter pass
    pool: Pool | None = None
    encoder: Any = None  # a Future of the encoder while it loads (see LoadEncoderStage)
    encoder_info: dict[str, Any] = field(default_factory=dict)
    target_X: np.ndarray | None = None
    target_info: dict[str, Any] | None = None
    kmeans: KMeansResult | None = None
    semantic: PoolDedup | None = None
    plan: CoresetPlan | None = None
    budget_records: int = 0
    strategy: str = ""
    picked: Picked | None = None
    coverage: Coverage | None = None
    at_pick: np.ndarray | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] | None = None
    dropped_at: list[np.ndarray] = field(default_factory=list)

    @property
    def picks(self) -> np.ndarray:
        """Positions in ``pool`` of the picks, in ranking order."""
        return self.picked.indices if self.picked is not None else np.zeros(0, dtype=np.int64)

    @property
    def rejected(self) -> list[tuple[Sample, str]]:
        """Every sample a rule dropped, filters first, then semantic duplicates."""
        sem = self.semantic.rejected if self.semantic is not None else []
        return [*(self.filtered.rejected if self.filtered is not None else []), *sem]

    @property
    def rejected_at(self) -> np.ndarray:
        """Where each of :attr:`rejected` stands in ``corpus.samples``, row for row."""
        return np.concatenate([np.zeros(0, dtype=np.int64), *self.dropped_at])

    def rejected_as_read(self) -> list[tuple[Sample, str]]:
        """:attr:`rejected` with each sample as read (before cleaning), for ``rejected.jsonl``."""
        assert self.corpus is not None  # the read stage fills it
        at = self.rejected_at.tolist()
        return [(self.corpus.samples[i], reason) for i, (_, reason) in zip(at, self.rejected, strict=True)]

    @property
    def details(self) -> dict[str, dict[str, Any]]:
        """What the rules add to each rejected row (``duplicate_of``, ``similarity``, ...), by sample id."""
        sem = self.semantic.details if self.semantic is not None else {}
        return {**(self.filtered.details if self.filtered is not None else {}), **sem}
