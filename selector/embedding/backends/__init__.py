"""The engines that turn texts into vectors behind :class:`~selector.embedding.encoder.Encoder`.

- ``torch`` (default): the transformer in PyTorch (:mod:`~selector.embedding.backends.torch`), exact float32 on a
  CPU, bf16/fp16 on a GPU;
- ``onnx``: the same transformer exported once to ONNX and run by ONNX Runtime, float32 or dynamic int8
  (:mod:`~selector.embedding.backends.onnx_runtime`; extra ``selector[onnx]``);
- ``static``: a static embedding model distilled from the transformer with model2vec, one table lookup per token
  (:mod:`~selector.embedding.backends.static`; extra ``selector[static]``).

Derived models (exported graphs, distilled tables) are built once and kept under ``<cache dir>/models/``, keyed
by the source weights' sha256 and checked on every load (:mod:`~selector.embedding.backends.store`).
"""

from __future__ import annotations

from selector.errors import ConfigError

BACKENDS = ("torch", "onnx", "static")
QUANTIZE = ("int8",)
DTYPES = ("auto", "float32", "bfloat16", "float16")


def check_dtype(dtype: str) -> str:
    """Validate ``encoder.dtype`` against :data:`DTYPES`."""
    if dtype not in DTYPES:
        raise ConfigError(f"encoder.dtype: unknown dtype {dtype!r}; choose one of: {', '.join(DTYPES)}")
    return dtype


def check_backend(backend: str, quantize: str | None) -> tuple[str, str | None]:
    """Validate ``encoder.backend`` and ``encoder.quantize``; ``quantize`` only applies to ``onnx``."""
    if backend not in BACKENDS:
        raise ConfigError(f"encoder.backend: unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    if quantize in ("none", "", "null"):
        quantize = None
    if quantize is not None and quantize not in QUANTIZE:
        raise ConfigError(
            f"encoder.quantize: unknown value {quantize!r}; choose one of: {', '.join(QUANTIZE)} (or leave it unset)"
        )
    if quantize is not None and backend != "onnx":
        raise ConfigError(
            f"encoder.quantize: {quantize} needs encoder.backend: onnx (got {backend!r}); "
            'set backend="onnx" or drop quantize='
        )
    return backend, quantize


def require(module: str, extra: str) -> None:
    """Import ``module`` or raise a :class:`ConfigError` that says which ``pip install`` provides it."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"encoder.backend needs the package {module!r}, which is not installed: "
            f"pip install 'selector[{extra}]' (or pip install {module})"
        ) from exc
