"""``selector embed``: embed every sample as read, one row per sample in input order, into a ``.npy`` file.

Beside ``FILE.npy`` it writes ``FILE.json``: the model (name, path, weights sha256, revision), dims, max length,
pooling, template, backend, quantisation, dtype and device, the ids and the hash of each row's text in row order,
and what the run did (encoded, from the cache, truncated). The array is what ``selector select --embeddings
FILE.npy`` reads for the same inputs; the hashes let it refuse other inputs or another order
(:mod:`selector.embedding.precomputed`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from selector.cli.common import (
    Backend,
    Dtype,
    Inputs,
    Maps,
    Overwrite,
    Quantize,
    Ray,
    RayAddress,
    RayWorkers,
    SkipInvalid,
    SourceField,
    TrustRemoteCode,
    Verbose,
    handles_errors,
    parse_mapping,
    ray_overrides,
    setup_logging,
)
from selector.embedding.templates import TEMPLATES, check_template, render_all
from selector.errors import SelectorError
from selector.io.guard import holds_output_lock


@handles_errors
@holds_output_lock("embed")  # held from before reading (issue 22 item 7)
def embed(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .npy file (a FILE.json sidecar goes beside it).")],
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Local model folder or cached Hub id (default: all-MiniLM-L6-v2)."),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Embedding cache folder (default: $SELECTOR_CACHE_DIR or ~/.cache/selector)."),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the embedding cache.")] = False,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:N or mps.")] = "auto",
    batch_tokens: Annotated[
        int | None, typer.Option("--batch-tokens", help="Token budget per batch (default 4096 on CPU, 65536 on GPU).")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="Tokens per sample (default: the model's own limit).")
    ] = None,
    template: Annotated[
        str, typer.Option("--template", help=f"How a sample becomes text: {', '.join(TEMPLATES)}.")
    ] = "default",
    storage: Annotated[
        str,
        typer.Option(
            "--storage", help="Storage of the vectors: float32, or float16 (half the disk; math stays float32)."
        ),
    ] = "float32",
    source_field: SourceField = None,
    maps: Maps = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
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
    from selector.config.run import EncoderConfig
    from selector.embedding.encoder import Encoder
    from selector.embedding.precomputed import sidecar_rows
    from selector.embedding.step import encode_texts, ray_options
    from selector.io import ReadOptions, atomic_path, output_guard
    from selector.pipeline.manifest import run_header
    from selector.pipeline.outputs import write_manifest

    setup_logging(verbose)
    check_template(template)
    ray_keys = ray_overrides(ray, ray_address, ray_workers)
    ray_opts = ray_options(EncoderConfig(model=model, batch_tokens=batch_tokens, **ray_keys))  # type: ignore[arg-type]
    if ray_opts is not None and no_cache:
        raise SelectorError("--ray fills the embedding cache that this command then reads: drop --no-cache")
    if storage not in ("float32", "float16"):
        raise SelectorError(f"--storage {storage}: choose float32 or float16")
    if out.suffix != ".npy":
        raise SelectorError(f"--out {out}: the output must be a .npy file")
    guard = output_guard(out, "embed", inputs, overwrite=overwrite, kind="file")
    corpus = ReadOptions(source_field, None, parse_mapping(maps), skip_invalid).read(inputs)
    guard.check([f.path for f in corpus.files], overwrite)  # inputs found inside folders too
    if not corpus.samples:
        raise SelectorError("the inputs hold no samples to embed")

    encoder = Encoder(
        model,
        max_length=max_length,
        device=device,
        batch_tokens=batch_tokens,
        cache=not no_cache,
        cache_dir=cache_dir,
        trust_remote_code=trust_remote_code,
        backend=backend or "torch",
        quantize=quantize,
        dtype=dtype or "auto",
    )
    texts = render_all(corpus.samples, template)
    X, engine = encode_texts(encoder, texts, template, ray=ray_opts, progress=True)
    stats = encoder.stats_
    meta = run_header("embed", None, corpus)
    meta.update(
        {
            **encoder.info(),
            **engine,
            "template": template,
            "rows": int(X.shape[0]),
            "storage": storage,
            "stats": stats.to_dict(),
            "outputs": [out.name],
            **sidecar_rows(corpus.samples, template),
        }
    )
    with guard.locked():
        guard.check([f.path for f in corpus.files], overwrite)
        with atomic_path(out) as tmp:
            np.save(tmp, X.astype(storage, copy=False))
        write_manifest(guard.marker, meta, indent=1)
    typer.echo(
        f"embedded {stats.n:,} samples ({stats.n_encoded:,} encoded, {stats.n_cached:,} from the cache, "
        f"{stats.n_truncated:,} truncated at {encoder.max_length} tokens) in {stats.seconds:.1f}s with "
        f"{encoder.name} ({encoder.backend}{', ' + encoder.quantize if encoder.quantize else ''}, {encoder.dtype}) "
        f"on {encoder.device}{_ray_note(engine)}; wrote {out} {X.shape[0]}x{X.shape[1]} and {guard.marker}"
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
