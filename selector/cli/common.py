"""What every CLI command shares: error handling, logging and option parsing helpers.

Commands are thin: they parse options, call the library, and print. :func:`handles_errors` turns a
:class:`~selector.errors.SelectorError` into one line on stderr and exit code 2, and any other exception into
exit code 1 with a hint; ``SELECTOR_DEBUG=1`` shows the full traceback instead.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from selector.errors import SelectorError

F = TypeVar("F", bound=Callable[..., Any])
DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
DISK_HINT = "free space there, or choose another --out (or --cache-dir); nothing was written under the output's name"


def debug_enabled() -> bool:
    return os.environ.get("SELECTOR_DEBUG", "").strip() not in ("", "0", "false", "no")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(verbose: bool = False) -> None:
    """Send the library's log records to stderr (INFO, or DEBUG with ``verbose``)."""
    logger = logging.getLogger("selector")
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)


def handles_errors(func: F) -> F:
    """Decorate a command so user errors exit 2 with one line and internal errors exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except SelectorError as exc:
            if debug_enabled():
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            terminated = type(exc).__name__ == "Terminated"  # SIGTERM, raised as an interrupt by the encoder
            typer.echo("terminated" if terminated else "interrupted", err=True)
            raise typer.Exit(143 if terminated else 130) from None
        except Exception as exc:
            if debug_enabled():
                raise
            if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:  # a full or read-only disk: the user's to fix
                typer.echo(f"error: cannot write {exc.filename or 'an output'}: {exc.strerror}; {DISK_HINT}", err=True)
                raise typer.Exit(2) from None
            typer.echo(
                f"internal error: {type(exc).__name__}: {exc} (run again with SELECTOR_DEBUG=1 for the traceback,"
                " and please report it)",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


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


# Options that several commands share, declared once so their names and help stay the same everywhere.
Inputs = Annotated[
    list[str], typer.Argument(help="Files, folders (read recursively) or Hub dataset names (OWNER/NAME).")
]
SourceField = Annotated[
    str | None,
    typer.Option("--source-field", help="Record key whose value is the source (default: the file stem)."),
]
TaskField = Annotated[
    str | None, typer.Option("--task-field", help="Record key whose value is the task (@file = the file stem).")
]
Maps = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="FIELD=KEY for records of another shape (FIELD: prompt, input, response, system, id; KEY may join "
        "several keys with +, e.g. --map prompt=premise+hypothesis --map response=label). Repeatable.",
    ),
]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Skip bad records and unreadable files, count them and say why.")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="YAML run config: a path, or a shipped name (`selector configs`: default, lima, task)."
    ),
]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an earlier run of this same command at --out.")]
TrustRemoteCode = Annotated[
    bool,
    typer.Option(
        "--trust-remote-code",
        help="Let the model folder's own Python code run (config: encoder.trust_remote_code); trusted models only. "
        "A warning names the code files.",
    ),
]
Export = Annotated[
    str | None,
    typer.Option(
        "--export",
        help="Also write train.jsonl in a trainer's shape (alpaca, sharegpt, messages, prompt-completion) and a "
        "LLaMA-Factory dataset_info.json.",
    ),
]
Decontaminate = Annotated[
    list[Path] | None,
    typer.Option(
        "--decontaminate",
        help="Evaluation file whose records must not leak into the output: samples sharing a 13-word n-gram with "
        "one are dropped (reason contaminated). Repeatable.",
    ),
]
Backend = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help="Encoder engine (config: encoder.backend): torch (exact, default), onnx (ONNX Runtime on the CPU; "
        "pip install 'selector[onnx]') or static (a model2vec model distilled from --model; 'selector[static]').",
    ),
]
Quantize = Annotated[
    str | None,
    typer.Option("--quantize", help="int8: dynamic int8 quantisation with --backend onnx (config: encoder.quantize)."),
]
Dtype = Annotated[
    str | None,
    typer.Option(
        "--dtype",
        help="Compute dtype of the torch encoder (config: encoder.dtype): auto (bf16 on CUDA from compute "
        "capability 8.0, fp16 below, float32 elsewhere), float32, bfloat16, float16.",
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
        help="Ray cluster to join with --ray (config: encoder.ray_address); default $RAY_ADDRESS, else a local Ray "
        "started and stopped by this command.",
    ),
]
RayWorkers = Annotated[
    int | None,
    typer.Option(
        "--ray-workers", help="Encoder workers with --ray (config: encoder.ray_workers; default: one per GPU)."
    ),
]


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
