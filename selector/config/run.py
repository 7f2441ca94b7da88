"""The run configuration: one dataclass per section of the YAML file, composed into :class:`RunConfig`.

Top-level keys are strict (an unknown key is an error naming it and listing the valid ones). The dataclass
defaults *are* ``presets/default.yaml`` (a test checks that the file and the defaults agree). The presets ship
inside the package, so ``--config lima`` works wherever selector is installed (``configs/lima.yaml``, the path of
a checkout before they moved, still finds it).

To add a section, give it a dataclass with defaults and add one field here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from selector.config.loader import from_mapping, load_yaml, to_dict
from selector.embedding.backends import check_backend, check_dtype
from selector.errors import ConfigError
from selector.filters.clean import CleanConfig
from selector.filters.config import DedupConfig, FilterConfig
from selector.selection.allocation import AllocationConfig

__all__ = [
    "ClusteringConfig",
    "CoresetConfig",
    "EncoderConfig",
    "RunConfig",
    "load_run_config",
    "run_config_to_dict",
]


@dataclass
class EncoderConfig:
    """How samples are embedded (the ``encoder:`` section).

    Attributes:
        model: local path or Hub id of a ``transformers`` encoder; ``None`` is the bundled all-MiniLM-L6-v2.
        max_length: tokens per sample; ``None`` is the model's own limit (256 for the default model).
        template: how a sample is rendered before embedding (``default``: instruction, input, then the answer).
        device: the device of the whole run (embedding, K-Means, coreset): ``auto`` (cuda, mps, cpu, in that
            order), ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` (see ``selector.device``).
        batch_tokens: token budget per batch (padded length x rows); ``None`` lets the encoder choose.
        cache_dir: embedding cache folder; ``None`` is ``$SELECTOR_CACHE_DIR`` or the user's cache folder.
        trust_remote_code: allow a model's own Python code to run (off unless you trust the model).
        backend: ``torch`` (exact, default), ``onnx`` (ONNX Runtime on the CPU, ``pip install 'selector[onnx]'``)
            or ``static`` (a model2vec static model distilled from ``model``, ``pip install 'selector[static]'``).
        quantize: ``int8`` (dynamic int8 quantisation; ``backend: onnx`` only) or ``None`` for float32.
        dtype: compute dtype of the torch backend: ``auto`` (bf16 on CUDA from compute capability 8.0, fp16 below,
            float32 elsewhere), ``float32``, ``bfloat16`` or ``float16``.
        ray: embed on Ray workers (``pip install 'selector[ray]'``; ``selector.distributed.fill_cache_ray``): they
            write the vectors to the cache (on storage every worker shares), and the run reads them from there.
        ray_address: the Ray cluster to join (``ray://HOST:10001``, ``HOST:6379``, ``auto``); ``None`` is
            ``$RAY_ADDRESS``, else a local Ray started and stopped by the run.
        ray_workers: encoder workers; ``None`` is one per GPU of the cluster, else one per 4 CPUs.
    """

    model: str | None = None
    max_length: int | None = None
    template: str = "default"
    device: str = "auto"
    batch_tokens: int | None = None
    cache_dir: str | None = None
    trust_remote_code: bool = False
    backend: str = "torch"
    quantize: str | None = None
    dtype: str = "auto"
    ray: bool = False
    ray_address: str | None = None
    ray_workers: int | None = None

    def __post_init__(self) -> None:
        self.backend, self.quantize = check_backend(self.backend, self.quantize)
        self.dtype = check_dtype(self.dtype)
        if self.ray_workers is not None and self.ray_workers < 1:
            raise ConfigError(
                f"config key 'encoder.ray_workers' must be a positive integer or null (one per GPU), "
                f"got {self.ray_workers}"
            )


@dataclass
class ClusteringConfig:
    """faiss spherical K-Means (the ``clustering:`` section).

    Attributes:
        k: number of clusters; ``None`` is ``round(sqrt(n / 2))`` capped at 1,000
            (see ``selector.selection.clustering``).
        niter: Lloyd iterations (10-30 typical).
        max_points_per_centroid: faiss trains on at most ``k`` times this many points (faiss's own default: 256).
    """

    k: int | None = None
    niter: int = 20
    max_points_per_centroid: int = 256

    def __post_init__(self) -> None:
        for key in ("k", "niter", "max_points_per_centroid"):
            value = getattr(self, key)
            if value is not None and value < 1:
                hint = " (null: the default, round(sqrt(n / 2)))" if key == "k" else ""
                raise ConfigError(f"config key 'clustering.{key}' must be a positive integer{hint}, got {value}")


@dataclass
class CoresetConfig:
    """How the subset is picked (the ``coreset:`` section).

    Attributes:
        strategy: ``auto`` (the default, chosen by ``selector evaluate``'s evidence, ``docs/quality.md``):
            ``typical_kcenter`` for a label-free pool of at most 200,000 candidates selected by a record count in
            global mode, else ``kcenter``
            (task centres first when tasks are known; token budgets and sharded mode need KCenterGreedy's
            prefix-consistent ranking). Or ``kcenter`` (KCenterGreedy), ``random`` (a seeded random baseline
            under the same rules), or a strategy of ``selector.selection.strategies``: ``medoids``,
            ``kcenter_quota``, ``kcenter_guard``, ``kcenter_medoid`` (medoid seeds and an outlier guard),
            ``facility_location``, ``typical_kcenter`` (typical cluster members first, then KCenterGreedy;
            ``selector.selection.typical``) or ``kcenter_robust`` (passes over the 1% most isolated rows at every
            step; ``selector.selection.robust``); ``docs/quality.md`` says how each fares against random.
        seeding: first picks: ``task_centre`` (the sample nearest each task's distribution centre), ``medoids``
            (the sample nearest each cluster centroid, largest clusters first), or ``none``.
        candidate_factor: with ``--target``, keep adding the clusters nearest the target until the candidates
            number at least this many times the budget (the paper's setting needs about 4).
        balance: split the budget across groups (``allocation.group_by``: sources, or tasks when they are
            known) by temperature; ``false`` lets the coreset pick freely.
        mode: ``global`` (the exact KCenterGreedy over every candidate) or ``sharded`` (exact inside shards of
            K-Means clusters, each with its share of the budget: faster and parallel, a larger coverage radius;
            ``selector.selection.sharded``, ``docs/scale.md``).
        shards: with ``sharded``, how many shards the clusters are packed into; ``null`` is one per worker.
        shard_tau: with ``sharded``, the temperature of the budget split across shards (1 proportional to their
            candidates; larger flattens towards equal shares).
        workers: with ``sharded``, processes that run the shards on this machine (1: in the run's process).
        backend: with ``sharded``, ``local`` (processes here) or ``ray`` (Ray tasks, ``pip install selector[ray]``;
            a local Ray cluster unless ``RAY_ADDRESS`` names one).
    """

    strategy: Literal[
        "auto",
        "kcenter",
        "random",
        "medoids",
        "kcenter_quota",
        "kcenter_guard",
        "kcenter_medoid",
        "facility_location",
        "typical_kcenter",
        "kcenter_robust",
        "stratified",  # ev27
    ] = "auto"
    seeding: Literal["task_centre", "medoids", "none"] = "task_centre"
    candidate_factor: float = 4.0
    balance: bool = True
    mode: Literal["global", "sharded"] = "global"
    shards: int | None = None
    shard_tau: float = 1.0
    workers: int = 1
    backend: Literal["local", "ray"] = "local"

    def __post_init__(self) -> None:
        if not self.candidate_factor >= 1:
            raise ConfigError(
                f"config key 'coreset.candidate_factor' must be at least 1 (candidates per pick), "
                f"got {self.candidate_factor}"
            )
        if self.shards is not None and self.shards < 1:
            raise ConfigError(f"config key 'coreset.shards' must be a positive integer or null, got {self.shards}")
        if self.workers < 1:
            raise ConfigError(f"config key 'coreset.workers' must be a positive integer, got {self.workers}")
        if not self.shard_tau > 0:
            raise ConfigError(f"config key 'coreset.shard_tau' must be positive (1 proportional), got {self.shard_tau}")


@dataclass
class RunConfig:
    """The whole YAML config of a run.

    Attributes:
        filters: LIMA-style filter rules (:class:`~selector.filters.FilterConfig`).
        dedup: near-duplicate and semantic-duplicate rules (:class:`~selector.filters.DedupConfig`).
        cleaning: the cleaning transform (:class:`~selector.filters.CleanConfig`).
        allocation: temperature balancing across groups (:class:`~selector.selection.allocation.AllocationConfig`).
        encoder, clustering, coreset: the embedding, K-Means and selection stages.
        budget: how many samples to select (``--budget``), or
        fraction: the share of the filtered pool to select (``--fraction``; the paper's 0.5% is 0.005).
        seed: seeds K-Means, the random baseline and any pre-sampling.
    """

    filters: FilterConfig = field(default_factory=FilterConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    cleaning: CleanConfig = field(default_factory=CleanConfig)
    allocation: AllocationConfig = field(default_factory=AllocationConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    clustering: ClusteringConfig = field(default_factory=ClusteringConfig)
    coreset: CoresetConfig = field(default_factory=CoresetConfig)
    budget: int | None = None
    fraction: float | None = None
    seed: int = 0


def load_run_config(
    config: RunConfig | str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> RunConfig:
    """The run config from a YAML path or shipped name (``lima``), a :class:`RunConfig`, or ``None`` (the defaults).

    ``overrides`` is a nested mapping merged over it section by section before validation (the CLI options and
    ``select()`` arguments that set config keys). This is the only place configs are merged. Unknown keys and
    wrongly typed values raise :class:`~selector.errors.ConfigError` naming the dotted key.
    """
    if isinstance(config, RunConfig):
        data: dict[str, Any] = run_config_to_dict(config)
    else:
        data = load_yaml(config_path(config)) if config is not None else {}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return from_mapping(RunConfig, data)


PRESETS = Path(__file__).resolve().parent / "presets"
"""The configs shipped with the package (``default``, ``lima``, ``task``): ``--config lima`` names one."""


def presets() -> dict[str, Path]:
    """The shipped configs by name."""
    return {p.stem: p for p in sorted(PRESETS.glob("*.yaml"))}


def config_path(config: str | Path) -> Path:
    """The YAML file ``config`` names: an existing file, else a shipped config's name (``lima``, ``lima.yaml``)."""
    path = Path(config)
    if path.is_file():
        return path
    known = presets()
    name = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.name
    if name in known and (path.parent == Path(".") or path.parent.name == "configs"):
        return known[name]
    raise ConfigError(
        f"config {str(config)!r}: no such file, and not a shipped config ({', '.join(known)}); "
        "give a YAML path or one of those names (`selector configs` lists them)"
    )


def run_config_to_dict(config: RunConfig) -> dict[str, Any]:
    """The fully resolved config as plain data (for manifests); ``inf`` stays a float."""
    return to_dict(config)
