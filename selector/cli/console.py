"""What a user sees of a command: its output, log records on stderr, and errors as one line and an exit code.

Everything the CLI prints goes through here, terminal-safe: text from the data (source names, keys, file names,
field values) may hold escape sequences, carriage returns, bells or C1 controls that would recolour, rewrite or
hide what the terminal shows. :func:`echo` prints a command's output with every control character but newline and
tab written as a visible escape (``\x1b``), as :func:`terminal_safe` does; :func:`echo_json` escapes them the JSON
way, so the output still parses to the same strings; log records (the progress lines of
:class:`~selector.progress.Progress` included) and error lines are escaped and kept to one line.

:func:`handles_errors` turns a :class:`~selector.errors.SelectorError` into one line on stderr and exit code 2, and
any other exception into exit code 1 with a hint; ``SELECTOR_DEBUG=1`` shows the full traceback instead.
:func:`setup_logging` is where ``--verbose`` and ``--quiet`` take effect.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from selector.errors import SelectorError
from selector.safe_text import UNSAFE, terminal_safe

F = TypeVar("F", bound=Callable[..., Any])

DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
DISK_HINT = "free space there, or choose another --out (or --cache-dir); nothing was written under the output's name"


KEYWORDS = [
    "budget",
    "fraction",
    "tokens",
    "tokenizer",
    "out",
    "overwrite",
    "export",
    "task",
    "task_field",
    "source_field",
    "mapping",
    "skip_invalid",
    "target",
    "embeddings",
    "decontaminate",
    "model",
    "device",
    "cache_dir",
    "trust_remote_code",
    "backend",
    "quantize",
    "dtype",
    "ray",
    "ray_address",
    "ray_workers",
    "score_field",
    "max_length",
    "batch_tokens",
    "template",
    "storage",
    "near",
    "semantic",
    "cache",
    "params",
    "source",
    "gpu",
    "gpu_hours",
    "mfu",
    "epochs",
    "peak_tflops",
    "budgets",
    "strategies",
    "seeds",
    "draws",
    "group_field",
    "test_fraction",
    "coverage_sample",
    "holdout_datasets",
    "datasets",
]
"""The library's keywords (``select()``, ``embed()``, ``dedup()``, ``Encoder``) that a flag of the same name sets;
library errors name these (``budget=N``), and :func:`as_flags` spells them as flags for the command line."""
FLAGS = {"mapping": "--map", "source": "SOURCE"}
"""Keywords whose flag is not ``--`` plus the keyword with dashes."""
_KEYWORD = re.compile(r"(?<![\w.\-])(" + "|".join(sorted(KEYWORDS, key=len, reverse=True)) + r')=("[^"]*"|True\b|)')
_MAPPING = re.compile(r"mapping=\{([^}]*)\}")
_PAIR = re.compile(r"""["'](\w+)["']:\s*([^,]+)""")


def as_flags(message: str) -> str:
    """A library error as the command line says it: each keyword is spelled as its flag (``budget=N`` ->
    ``--budget N``, ``device="cpu"`` -> ``--device cpu``, ``embeddings=,`` -> ``--embeddings,``,
    ``cache=False`` -> ``--no-cache``, ``skip_invalid=True`` -> ``--skip-invalid``, ``out=.`` -> ``--out .``,
    ``mapping={"prompt": KEY}`` -> ``--map prompt=KEY``)."""
    message = message.replace("cache=False", "--no-cache")
    message = _MAPPING.sub(lambda m: " ".join(f"--map {k}={v.strip()}" for k, v in _PAIR.findall(m.group(1))), message)

    def flag(m: re.Match[str]) -> str:
        name, quoted = m.group(1), m.group(2)
        spelled = FLAGS.get(name, "--" + name.replace("_", "-"))
        if quoted == "True":
            return spelled
        if quoted:
            return f"{spelled} {quoted[1:-1]}"
        follows = message[m.end() : m.end() + 1]  # a "." right after "=" is a value (out=.), never a full stop
        return spelled if follows == "" or follows.isspace() or follows in ",;:)]" else spelled + " "

    return _KEYWORD.sub(flag, message)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a command's output (``err``: on stderr), terminal-safe (:func:`terminal_safe`; lines kept)."""
    typer.echo(terminal_safe(str(text)), err=err, nl=nl)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON whose strings hold no control character raw: each is written as a JSON
    ``\\u`` escape of its four hex digits, so the text is still valid JSON and parses back to the same strings."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    typer.echo(UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


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

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record), one_line=True)


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Send the library's log records to stderr: INFO, DEBUG with ``verbose``, WARNING with ``quiet`` (``verbose``
    wins when both are given)."""
    logger = logging.getLogger("selector")
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)


def _log_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """A Python warning as one log record (``WARNING: UserWarning: ...``), through the terminal-safe handler: the
    libraries below print data in theirs (matplotlib names a source name's glyph it cannot draw)."""
    logging.getLogger("selector.warnings").warning("%s: %s", category.__name__, message)


def handles_errors(func: F) -> F:
    """Decorate a command so user errors exit 2 with one line and internal errors exit 1, and Python warnings are
    printed as escaped log lines."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():  # for this command only: Python warnings become escaped log lines
                warnings.showwarning = _log_warning
                return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except SelectorError as exc:
            if debug_enabled():
                raise
            typer.echo(f"error: {terminal_safe(as_flags(str(exc)), one_line=True)}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            terminated = type(exc).__name__ == "Terminated"  # SIGTERM, raised as an interrupt by the encoder
            typer.echo("terminated" if terminated else "interrupted", err=True)
            raise typer.Exit(143 if terminated else 130) from None
        except Exception as exc:
            if debug_enabled():
                raise
            if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:  # a full or read-only disk: the user's to fix
                where = terminal_safe(str(exc.filename or "an output"), one_line=True)
                typer.echo(f"error: cannot write {where}: {exc.strerror}; {DISK_HINT}", err=True)
                raise typer.Exit(2) from None
            typer.echo(
                f"internal error: {type(exc).__name__}: {terminal_safe(str(exc), one_line=True)} (run again with "
                "SELECTOR_DEBUG=1 for the traceback, and please report it)",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
