"""What every benchmark shares: where the data is, how to time, how to measure memory, and where results go.

A benchmark script is a suite: it imports this module first (``import harness``; the script's own folder is on
``sys.path`` when it is run as ``python benchmarks/<suite>.py``), measures, prints its table with the baseline it
beats side by side, and hands the same table to :func:`write_results`, which writes
``benchmarks/results/<suite>.md`` and ``benchmarks/results/<suite>.json``. Every figure the README or
``docs/benchmarks.md`` quotes points at one of those files.

Importing the harness puts this checkout first on ``sys.path``, so a benchmark measures the code beside it, not an
installed copy of ``selector``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _beside_checkout() -> Path:
    """``shared/data`` beside the checkout; in a git worktree (``.git`` is a file), beside its main checkout."""
    here = ROOT.parent / "shared" / "data"
    git = ROOT / ".git"
    if here.exists() or not git.is_file():
        return here
    text = git.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        return here
    gitdir = Path(text.split(":", 1)[1].strip())  # <main>/.git/worktrees/<name>
    return gitdir.parents[2].parent / "shared" / "data" if len(gitdir.parents) > 2 else here


DATA = Path(os.environ.get("SELECTOR_SHARED_DATA", _beside_checkout()))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T = TypeVar("T")


def data_path(*parts: str) -> Path:
    """A path under the shared corpora: ``$SELECTOR_SHARED_DATA``, else ``../shared/data`` beside the checkout (for
    a git worktree, beside its main checkout)."""
    return DATA.joinpath(*parts)


def require_data(*parts: str) -> Path:
    """The shared path ``parts``, or exit with a message naming where it was looked for.

    Benchmarks on real corpora skip cleanly on a machine without them: the message says what is missing and how
    to point the suite at a copy.
    """
    path = data_path(*parts)
    if not path.exists():
        raise SystemExit(
            f"skipped: the shared corpora are not at {path} (set SELECTOR_SHARED_DATA to the folder that holds them)"
        )
    return path


def use_tests() -> Path:
    """Put the checkout on ``sys.path`` so a suite can import ``tests.<module>`` (a test generator it reuses), and
    return the ``tests/`` folder."""
    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))
    return ROOT / "tests"


def cuda_sync() -> Callable[[], None] | None:
    """``torch.cuda.synchronize`` when torch is imported and sees a GPU (pass it as ``sync=``), else ``None``."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return torch.cuda.synchronize
    return None


def timed(fn: Callable[[], T], sync: Callable[[], None] | None = None) -> tuple[float, T]:
    """Wall seconds of one call of ``fn`` and what it returned; ``sync`` (e.g. :func:`cuda_sync`) runs before the
    clock starts and before it stops, so queued GPU work is counted."""
    if sync:
        sync()
    start = time.perf_counter()
    out = fn()
    if sync:
        sync()
    return time.perf_counter() - start, out


def best_of(fn: Callable[[], T], repeat: int, sync: Callable[[], None] | None = None) -> tuple[float, T]:
    """The fastest of ``repeat`` calls (the least disturbed by other processes) and the last call's result."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        seconds, out = timed(fn, sync)
        best = min(best, seconds)
    return best, out  # type: ignore[return-value]


def alternating(
    fns: dict[str, Callable[[], T]], repeat: int, sync: Callable[[], None] | None = None
) -> tuple[dict[str, float], dict[str, T]]:
    """Each function's fastest time over ``repeat`` rounds that call them in turn, and each one's last result.

    Alternating spreads a load change on a shared machine over every engine instead of one, so the ratios between
    them stay comparable.
    """
    best: dict[str, float] = {}
    last: dict[str, T] = {}
    for _ in range(max(1, repeat)):
        for name, fn in fns.items():
            seconds, last[name] = timed(fn, sync)
            best[name] = min(best.get(name, float("inf")), seconds)
    return best, last


def child_json(cmd: Sequence[str], **kwargs: Any) -> dict[str, Any]:
    """Run ``cmd`` (a child process, so its peak RSS and imports are its own) and parse its last stdout line as JSON.

    A failing child stops the suite with the tail of its stderr. ``kwargs`` go to :func:`subprocess.run`.
    """
    proc = subprocess.run(list(cmd), capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise SystemExit(
            f"child {' '.join(map(str, cmd[:4]))} ... failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def encoder_texts(n: int, seed: int = 0) -> tuple[list[str], str]:
    """``n`` texts for the encoder suites and a word saying where they came from.

    Real samples from the shared corpora (code Alpaca, Chinese Alpaca part 00, new code Alpaca, P3: mixed lengths),
    rendered with the default template and shuffled with ``seed``; the demo corpus when the shared data are absent.
    """
    from selector.embedding.templates import render_all
    from selector.io import read_corpus

    names = ["code_alpaca_2k.json", "alpaca_chinese_zh-data-part-00.json", "new_codealpaca.json", "p3_t0_train_50k"]
    paths = [data_path(name) for name in names if data_path(name).exists()]
    source = "shared data" if paths else "demo corpus"
    texts = render_all(read_corpus(paths or [ROOT / "examples" / "data"]).samples)
    random.Random(seed).shuffle(texts)
    return texts[:n], source


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def machine_line() -> str:
    """One line saying where the figures were taken: CPU, cores, load, Python, and the engines' versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    versions = []
    for name in ("torch", "faiss", "numpy"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    tail = f"; {', '.join(versions)}" if versions else ""
    return f"{cpu}, {os.cpu_count()} cores, load {load}; Python {platform.python_version()}{tail}"


@dataclass
class Table:
    """A results table: printed as Markdown as rows arrive, kept for :func:`write_results`."""

    columns: Sequence[str]
    rows: list[list[Any]] = field(default_factory=list)

    def header(self) -> str:
        return "| " + " | ".join(self.columns) + " |\n|" + "---|" * len(self.columns)

    def add(self, *cells: Any, echo: bool = True) -> None:
        """Append a row (and print it, with the header before the first)."""
        if echo and not self.rows:
            print(self.header(), flush=True)
        self.rows.append(list(cells))
        if echo:
            print(self.format_row(cells), flush=True)

    @staticmethod
    def format_row(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(_cell(c) for c in cells) + " |"

    def markdown(self) -> str:
        return "\n".join([self.header(), *(self.format_row(r) for r in self.rows)])


def _cell(value: Any) -> str:
    if isinstance(value, bool):  # before int: True is an int, and would print as 1
        return str(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_results(
    suite: str,
    tables: dict[str, Table],
    *,
    command: str | None = None,
    notes: Sequence[str] = (),
    echo: bool = True,
) -> Path:
    """Write ``benchmarks/results/<suite>.md`` and ``.json``: the tables, the command and the machine line.

    ``command`` defaults to the command line this process was started with, so the file says how to repeat it.
    Returns the Markdown file's path. The files are replaced whole (written beside, then renamed). ``echo=False``
    leaves out the closing line naming the file (for a suite whose stdout is compared byte for byte).
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    command = command or "python " + " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    machine = machine_line()
    md = [f"# {suite}", "", f"Command: `{command}`", "", f"Machine: {machine}", ""]
    for title, table in tables.items():
        md += [f"## {title}", "", table.markdown(), ""]
    md += [f"- {note}" for note in notes]
    payload = {
        "suite": suite,
        "command": command,
        "machine": machine,
        "tables": {title: {"columns": list(t.columns), "rows": t.rows} for title, t in tables.items()},
        "notes": list(notes),
    }
    path = RESULTS / f"{suite}.md"
    for target, text in ((path, "\n".join(md).rstrip() + "\n"), (path.with_suffix(".json"), _json(payload))):
        staged = target.with_name(target.name + ".tmp")
        staged.write_text(text, encoding="utf-8")
        staged.replace(target)
    if echo:
        print(f"\nresults: {path.relative_to(ROOT)} (and .json)")
    return path


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
