"""The options every CLI command shares, declared once, and the helpers that turn them into library arguments.

Commands are thin: they parse options, call the library, and print (errors and logging: ``console.py``). An
option that two commands take is declared here, so its name, short flag, default, metavar and help are the same in
both; an option of one command stays beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from selector.config import RunConfig, load_run_config
from selector.embedding.backends import BACKENDS, DTYPES, QUANTIZE
from selector.errors import SelectorError
from selector.formats.export import SHAPES


def parse_mapping(items: list[str] | None) -> dict[str, str] | None:
    """Parse ``--map FIELD=KEY`` options into a dict (``None`` when none were given)."""
    if not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        name, sep, key = item.partition("=")
        if not sep or not name.strip() or not key.strip():
            raise SelectorError(f"--map expects FIELD=KEY (for example prompt=question), got {item!r}")
        out[name.strip()] = key.strip()
    return out


# Options that several commands share, declared once so that their names, short flags, defaults, metavars and help
# are the same in every command. The app renders help as plain text (``rich_markup_mode=None`` in
# ``selector/cli/__init__.py``), so ``'selector[onnx]'`` prints as written; every option names its metavar, so no
# ``<bool>`` or ``<list[str]>`` from typer's type labels reaches the help.


def choice(values: Iterable[str]) -> str:
    """The metavar that lists an option's choices, click style: ``[torch|onnx|static]``."""
    return "[" + "|".join(values) + "]"


def config_default(key: str) -> str:
    """The default of the dotted config key ``key`` (``encoder.device`` -> ``auto``), as help text shows it: help
    reads the defaults from the config dataclasses instead of restating them."""
    value: Any = RunConfig()
    for part in key.split("."):
        value = getattr(value, part)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return "null" if value is None else str(value)


def out_option(help: str, metavar: str = "DIR") -> Any:
    """``-o/--out``: every command spells it the same; only what it names (a folder or a file) differs."""
    return typer.Option("--out", "-o", metavar=metavar, help=help)


def _need_inputs(value: list[str] | None) -> list[str]:
    if not value:
        raise typer.BadParameter("give at least one input: a file, a folder or a Hub dataset name (OWNER/NAME)")
    return value


INPUTS_HELP = "INPUT: one or more files, folders (read recursively) or Hub dataset names (OWNER/NAME)."
"""What ``INPUT`` means, printed below the options of every command that reads a corpus (the command's epilog)."""

# Optional to typer and required by the callback: typer 0.29 prints a required argument as ``{INPUT}...`` and its
# type as ``<list[str]>``, so the argument is hidden from the list of options and explained by INPUTS_HELP.
Inputs = Annotated[
    list[str] | None, typer.Argument(metavar="INPUT", hidden=True, show_default=False, callback=_need_inputs)
]
SourceField = Annotated[
    str | None,
    typer.Option(
        "--source-field", metavar="KEY", help="Record key whose value is the source (default: the file stem)."
    ),
]
TaskField = Annotated[
    str | None,
    typer.Option("--task-field", metavar="KEY", help="Record key whose value is the task (@file = the file stem)."),
]
Maps = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="FIELD=KEY",
        help="Read records of another shape (FIELD: prompt, input, response, system, id; KEY may join several keys "
        "with +, e.g. --map prompt=premise+hypothesis --map response=label). Repeatable.",
    ),
]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Skip bad records and unreadable files, count them and say why.")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")]
Quiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bars and no info lines: warnings, errors and the summary only."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="CONFIG",
        help="YAML run config: a path, or a shipped name (`selector configs`: default, lima, task).",
    ),
]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an earlier run of this same command at --out.")]
Seed = Annotated[
    int | None, typer.Option("--seed", metavar="N", help="Seed of K-Means and the random baseline (config: seed).")
]
Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="Encoder: a local model folder or a Hub id in the local cache (config: encoder.model; default: the "
        "bundled all-MiniLM-L6-v2).",
    ),
]
Device = Annotated[
    str | None,
    typer.Option(
        "--device",
        metavar="DEVICE",
        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps (config: encoder.device; default "
        f"{config_default('encoder.device')}).",
    ),
]
CacheDir = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        metavar="DIR",
        help="Embedding cache folder (config: encoder.cache_dir; default $SELECTOR_CACHE_DIR or ~/.cache/selector).",
    ),
]
Embeddings = Annotated[
    Path | None,
    typer.Option(
        "--embeddings",
        metavar="FILE.npy",
        help="Precomputed vectors, one row per sample as read (`selector embed`).",
    ),
]
Tokenizer = Annotated[
    Path | None,
    typer.Option(
        "--tokenizer", metavar="DIR", help="Local tokenizer folder to count tokens with (default: the encoder's)."
    ),
]
TrustRemoteCode = Annotated[
    bool,
    typer.Option(
        "--trust-remote-code",
        help="Let the model folder's own Python code run (config: encoder.trust_remote_code); trusted models only. "
        "A warning names the code files.",
    ),
]
Export = Annotated[
    Literal[SHAPES] | None,
    typer.Option(
        "--export",
        metavar=choice(SHAPES),
        help="Also write train.jsonl in this trainer's shape and a LLaMA-Factory dataset_info.json.",
    ),
]
Decontaminate = Annotated[
    list[Path] | None,
    typer.Option(
        "--decontaminate",
        metavar="FILE",
        help="Evaluation file whose records must not leak into the output: samples sharing a "
        f"{config_default('filters.contamination_ngram')}-word n-gram (filters.contamination_ngram) with one are "
        "dropped (reason contaminated). Repeatable.",
    ),
]
Backend = Annotated[
    Literal[BACKENDS] | None,
    typer.Option(
        "--backend",
        metavar=choice(BACKENDS),
        help="Encoder engine (config: encoder.backend): torch (exact), onnx (ONNX Runtime on the CPU; "
        "pip install 'selector[onnx]') or static (a model2vec model distilled from --model; pip install "
        f"'selector[static]'); default {config_default('encoder.backend')}.",
    ),
]
Quantize = Annotated[
    Literal[QUANTIZE] | None,
    typer.Option(
        "--quantize",
        metavar=choice(QUANTIZE),
        help="int8: dynamic int8 quantisation with --backend onnx (config: encoder.quantize).",
    ),
]
Dtype = Annotated[
    Literal[DTYPES] | None,
    typer.Option(
        "--dtype",
        metavar=choice(DTYPES),
        help="Compute dtype of the torch encoder (config: encoder.dtype): auto (bf16 on CUDA from compute "
        f"capability 8.0, fp16 below, float32 elsewhere); default "
        f"{config_default('encoder.dtype')}.",
    ),
]
Ray = Annotated[
    bool,
    typer.Option(
        "--ray",
        help="Embed on Ray workers (config: encoder.ray; pip install 'selector[ray]'): one per GPU, else one per 4 "
        "CPUs; they fill the embedding cache (keep --cache-dir on storage they all share) and the run reads it.",
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        metavar="ADDRESS",
        help="Ray cluster to join with --ray (config: encoder.ray_address); default $RAY_ADDRESS, else a local Ray "
        "started and stopped by this command.",
    ),
]
RayWorkers = Annotated[
    int | None,
    typer.Option(
        "--ray-workers",
        metavar="N",
        help="Encoder workers with --ray (config: encoder.ray_workers; default: one per GPU).",
    ),
]


def with_encoder(config: Path | None, keys: dict[str, object]) -> Any:
    """``config`` (a path, a shipped name or ``None``) loaded with these ``encoder:`` keys set (those not ``None``);
    ``config`` itself when none is set, so that a run without them loads its config only once, in the library."""
    keys = {k: v for k, v in keys.items() if v is not None}
    return load_run_config(config, {"encoder": keys}) if keys else config


def ray_overrides(ray: bool, address: str | None, workers: int | None) -> dict[str, object]:
    """The ``encoder:`` keys that ``--ray``, ``--ray-address`` and ``--ray-workers`` set (either of the last two
    implies ``--ray``); checks that Ray can be imported, so a missing extra fails before any work."""
    if not (ray or address or workers):
        return {}
    from selector.distributed.session import import_ray

    import_ray("--ray")
    keys: dict[str, object] = {"ray": True}
    if address:
        keys["ray_address"] = address
    if workers is not None:
        keys["ray_workers"] = workers
    return keys
