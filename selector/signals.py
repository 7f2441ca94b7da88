"""SIGTERM handled as Ctrl-C: ``kill`` and job schedulers get the same clean-up as an interrupt.

Left at its default, SIGTERM ends the process at once: no ``finally`` runs, so a run would leave its output lock
and half-written temporary outputs behind, and lose the embedded rows it had not yet cached. Inside
:func:`sigterm_raises`, SIGTERM raises :class:`Terminated` (a :class:`KeyboardInterrupt`) instead; the CLI reports
it as ``terminated`` with exit code 143.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt while :func:`sigterm_raises` is active."""


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Make SIGTERM raise :class:`Terminated` for the body (main thread, and only where SIGTERM is at its
    default: an application that handles it itself keeps its handler; nested uses are free)."""
    installed = False
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):  # no signals here (an embedded interpreter)
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _raise)
                installed = True
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _raise(signum: int, frame: object) -> None:
    raise Terminated(f"terminated by signal {signum}")
