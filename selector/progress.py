"""Progress for long loops: a tqdm bar on a terminal, a plain log line every few seconds anywhere else.

A tqdm bar redraws itself many times a second; when stderr is a file or a pipe (a batch job's log) every redraw
becomes a line, thousands of them on a 30k-sample run. :class:`Progress` draws the bar only when stderr is a
terminal; otherwise it logs one INFO line every ``interval`` seconds (default 10) with the count, the rate and
the time left, and one line at the end if it logged any.

Work is counted in ``unit`` (samples, picks) and, optionally, weighed in a second unit that tracks the cost
better (``weight``: tokens for an encoder, whose texts are sorted short to long, so that the first half of the
samples is far less than half of the work). The time left is estimated from the weight when there is one.

    with Progress(len(texts), desc="embedding", unit="samples", weight_total=n_tokens, weight_unit="tokens") as p:
        for batch in batches:
            ...
            p.update(len(batch), weight=batch_tokens)

Its lines are log records, never direct prints: the CLI's handler (:mod:`selector.cli.console`) writes them
terminal-safe, like every other line it prints; the bar shows only ``desc``, ``unit`` and counts, which are the
caller's words, never data.

Any loop can use it: the coreset's pick loop would call ``Progress(budget, desc="kcenter", unit="picks")`` and
``update(1)`` per pick.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

log = logging.getLogger(__name__)


def format_seconds(seconds: float) -> str:
    """``75.0 -> '1m15s'``, ``3700 -> '1h01m'``, ``8.2 -> '8s'``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """Count work done toward ``total`` (``unit``), weighed toward ``weight_total`` (``weight_unit``) if given.

    Parameters:
        total: units of work in all (rows, picks).
        desc: what is running, the start of every line (``"embedding"``).
        enabled: ``False`` shows and logs nothing.
        weight_total: the cost of all the work in ``weight_unit`` (tokens); ``None`` estimates by units.
        interval: seconds between log lines when stderr is not a terminal (5 to 30 does well in a job log).
        stream: where a terminal bar goes (default ``sys.stderr``); the bar is drawn only if it is a TTY.
        clock: seconds, monotonic (``time.monotonic``); tests pass their own.
    """

    def __init__(
        self,
        total: int,
        *,
        desc: str,
        unit: str = "items",
        enabled: bool = True,
        weight_total: float | None = None,
        weight_unit: str = "tokens",
        interval: float = 10.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = int(total)
        self.desc = desc
        self.unit = unit
        self.weight_total = float(weight_total) if weight_total else None
        self.weight_unit = weight_unit
        self.interval = float(interval)
        self.clock = clock
        self.done = 0
        self.weight_done = 0.0
        self.lines_logged = 0
        self._start = clock()
        self._last_line = self._start
        stream = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and self.total > 0
        self._bar: Any = None
        if self.enabled and _is_tty(stream):
            from tqdm.auto import tqdm

            # With a weight the bar runs on it, so that tqdm's own rate and time left are by weight.
            by_weight = self.weight_total is not None
            self._bar = tqdm(
                total=self.weight_total if by_weight else self.total,
                desc=desc,
                unit=weight_unit if by_weight else unit,
                unit_scale=by_weight,
                file=stream,
                leave=False,
                dynamic_ncols=True,
            )

    def update(self, n: int, *, weight: float | None = None) -> None:
        """Record ``n`` more units done (and ``weight`` more of their cost); draw or log when it is time."""
        self.done += int(n)
        if weight is not None:
            self.weight_done += float(weight)
        if not self.enabled:
            return
        if self._bar is not None:
            if self.weight_total is None:
                self._bar.update(int(n))
            else:
                self._bar.set_postfix_str(f"{self.done:,}/{self.total:,} {self.unit}", refresh=False)
                self._bar.update(float(weight or 0.0))
            return
        now = self.clock()
        if now - self._last_line >= self.interval and self.done < self.total:
            self._last_line = now
            self.lines_logged += 1
            log.info("%s", self.line(now))

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the current rate, by weight when there is one (``None`` before any progress)."""
        elapsed = (self.clock() if now is None else now) - self._start
        if self.weight_total and self.weight_done > 0:
            return elapsed * max(0.0, self.weight_total - self.weight_done) / self.weight_done
        if self.done > 0:
            return elapsed * max(0, self.total - self.done) / self.done
        return None

    def line(self, now: float | None = None) -> str:
        """One plain status line: count, share, rate (and weight rate), time left."""
        now = self.clock() if now is None else now
        elapsed = max(now - self._start, 1e-9)
        share = self.done / self.total if self.total else 1.0
        parts = [f"{self.desc}: {self.done:,}/{self.total:,} {self.unit} ({share:.0%})"]
        parts.append(f"{self.done / elapsed:,.1f} {self.unit}/s")
        if self.weight_total:
            parts.append(f"{self.weight_done / elapsed:,.0f} {self.weight_unit}/s")
        eta = self.eta(now)
        parts.append(f"{format_seconds(eta)} left" if eta is not None else "time left unknown")
        return ", ".join(parts)

    def close(self) -> None:
        """Remove the bar, or log the closing line when progress lines were logged."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.lines_logged:
            now = self.clock()
            log.info(
                "%s: %s/%s %s in %s",
                self.desc,
                f"{self.done:,}",
                f"{self.total:,}",
                self.unit,
                format_seconds(now - self._start),
            )
            self.lines_logged = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False
