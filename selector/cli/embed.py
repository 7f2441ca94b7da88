"""``selector embed``: embed every sample as read, one row per sample in input order, into a ``.npy`` file.

Beside ``FILE.npy`` it writes ``FILE.json``: the model (name, path, weights sha256, revision), dims, max length,
pooling, template, backend, quantisation, dtype and device, the ids and the hash of each row's text in row order,
and what the run did (encoded, from the cache, truncated). The array is what ``selector select --embeddings
FILE.npy`` reads for the same inputs; the hashes let it refuse other inputs or another order
(:mod:`selector.embedding.precomputed`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from selector.cli.common import (
    Backend,
    CacheDir,
    Device,
    Dtype,
    Inputs,
    Maps,
    Model,
    Overwrite,
    Quantize,
    Quiet,
    Ray,
    RayAddress,
    RayWorkers,
    SkipInvalid,
    SourceField,
    TrustRemoteCode,
    Verbose,
    choice,
    out_option,
    parse_mapping,
    ray_overrides,
)
from selector.cli.console import echo, handles_errors, setup_logging
from selector.embedding.precomputed import STORAGE
from selector.embedding.templates import TEMPLATES

Template = Annotated[
    Literal[tuple(TEMPLATES)],
    typer.Option("--template", metavar=choice(TEMPLATES), help="How a sample becomes text."),
]
Storage = Annotated[
    Literal[STORAGE],
    typer.Option(
        "--storage",
        metavar=choice(STORAGE),
        help="Storage of the vectors: float32, or float16 (half the disk; math stays float32).",
    ),
]


OutOption = Annotated[Path, out_option("Output .npy file (a FILE.json sidecar goes beside it).", "FILE.npy")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the embedding cache.")]
BatchTokensOption = Annotated[
    int | None,
    typer.Option("--batch-tokens", metavar="N", help="Token budget per batch (default 4096 on CPU, 65536 on GPU)."),
]
MaxLengthOption = Annotated[
    int | None,
    typer.Option("--max-length", metavar="N", help="Tokens per sample (default: the model's own limit)."),
]


@handles_errors
def embed(
    inputs: Inputs = None,
    *,
    out: OutOption,
    model: Model = None,
    cache_dir: CacheDir = None,
    no_cache: NoCacheOption = False,
    device: Device = None,
    batch_tokens: BatchTokensOption = None,
    max_length: MaxLengthOption = None,
    template: Template = "default",
    storage: Storage = "float32",
    source_field: SourceField = None,
    maps: Maps = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    trust_remote_code: TrustRemoteCode = False,
    backend: Backend = None,
    quantize: Quantize = None,
    dtype: Dtype = None,
    ray: Ray = False,
    ray_address: RayAddress = None,
    ray_workers: RayWorkers = None,
    verbose: Verbose = False,
) -> None:
    """Embed every sample (rendered as its training input) into OUT.npy, rows in input order, plus OUT.json.

    With --ray, Ray workers encode what the cache lacks into the cache, and the vectors are read from it here: the
    same vectors as without --ray, and a later run without it encodes nothing.
    """
    # torch loads with the encoder: imported when the command runs, so that `--help` stays fast
    from selector.config import EncoderConfig
    from selector.io import ReadOptions
    from selector.pipeline.embed import embed_corpus

    setup_logging(verbose, quiet)
    settings = EncoderConfig(
        model=model,
        max_length=max_length,
        template=template,
        device=device or "auto",  # no config here: unset is auto, as in the config
        batch_tokens=batch_tokens,
        cache_dir=str(cache_dir) if cache_dir is not None else None,
        trust_remote_code=trust_remote_code,
        backend=backend or "torch",
        quantize=quantize,
        dtype=dtype or "auto",
        **ray_overrides(ray, ray_address, ray_workers),  # type: ignore[arg-type]
    )
    read = ReadOptions(source_field, None, parse_mapping(maps), skip_invalid)
    run = embed_corpus(
        inputs, out=out, encoder=settings, storage=storage, cache=not no_cache, read=read, overwrite=overwrite,
        progress=not quiet,
    )  # fmt: skip
    echo(_summary(run, out))


def _summary(run: Any, out: Path) -> str:
    """The line ``selector embed`` prints: what was encoded, with what, and what was written."""
    X, encoder, stats, engine = run.X, run.encoder, run.encoder.stats_, run.meta
    return (
        f"embedded {stats.n:,} samples ({stats.n_encoded:,} encoded, {stats.n_cached:,} from the cache, "
        f"{stats.n_truncated:,} truncated at {encoder.max_length} tokens) in {stats.seconds:.1f}s with "
        f"{encoder.name} ({encoder.backend}{', ' + encoder.quantize if encoder.quantize else ''}, {encoder.dtype}) "
        f"on {encoder.device}{_ray_note(engine)}; wrote {out} {X.shape[0]}x{X.shape[1]} and {run.sidecar}"
    )


def _ray_note(engine: dict) -> str:
    """What the Ray workers did, for the summary line (empty without ``--ray``)."""
    if engine.get("engine") != "ray":
        return ""
    r = engine["ray"]
    if not r["texts_sent"]:
        return " (--ray: every text was in the cache already)"
    return (
        f" after {r['workers']} Ray {r['device']} worker(s) encoded {r['texts_sent']:,} texts into the cache "
        f"({r['n_truncated']:,} truncated) in {r['seconds']:.1f}s"
    )
