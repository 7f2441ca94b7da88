"""Bounded retries on Ray, and errors that name what failed.

Ray Data restarts a dead actor and retries its batch forever by default (``max_restarts=-1``,
``max_task_retries=-1``), so a batch that kills its worker every time hangs the run. Here every encoder actor and
coreset task is retried at most :data:`RETRIES` times, for a worker that died and for an exception alike; then the
run stops with a :class:`BatchError` that names the batch (its rows, the first text that fails on its own) or
the shards, instead of Ray's traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from selector.errors import SelectorError

RETRIES = 2
"""How many times Ray runs a failed batch or task again (3 tries in all) before the run fails."""


BATCH_FAILED = "a Ray encoder worker failed on the batch"
"""How a :class:`BatchError` of the encoder begins: Ray Data retries the map errors whose message holds it."""


class BatchError(SelectorError):
    """A batch or task failed on a Ray worker on every try; the message names it and the first error."""


def retry_options() -> dict[str, Any]:
    """The Ray actor options of an encoder pool: at most :data:`RETRIES` restarts of a dead actor and
    :data:`RETRIES` retries of each batch (Ray Data's defaults are -1, forever)."""
    return {"max_restarts": RETRIES, "max_task_retries": RETRIES}


def task_retries() -> dict[str, Any]:
    """The Ray remote options of a Ray Data map task: at most :data:`RETRIES` retries of a task whose worker died
    (Ray Data's default is -1, forever)."""
    return {"max_retries": RETRIES}


def first_failing(texts: Sequence[str], encode: Callable[[list[str]], Any]) -> int | None:
    """The index of the first text that ``encode`` raises on by itself, by bisection (about ``log2(len)`` calls),
    or ``None`` when every half encodes (the batch fails only as a whole: memory, say)."""
    lo, hi = 0, len(texts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            encode(list(texts[lo:mid]))
        except Exception:
            hi = mid
            continue
        lo = mid
        try:
            encode(list(texts[lo:hi]))
        except Exception:
            continue
        return None
    return lo if hi - lo == 1 else None


def batch_error(rows: Sequence[int], texts: Sequence[str], err: BaseException, culprit: int | None) -> BatchError:
    """The error for an encoder batch that raised: its row range (positions in the texts given), the text that
    fails alone (``culprit``, an index into ``texts``) and the exception."""
    where = f"rows {min(rows)}-{max(rows)}" if len(rows) > 1 else f"row {rows[0]}"
    alone = (
        f"; row {rows[culprit]} fails on its own: {texts[culprit][:80]!r}"
        if culprit is not None
        else "; no single text fails on its own (too large a batch for the worker's memory?)"
    )
    return BatchError(
        f"{BATCH_FAILED} of {where} ({len(texts)} texts){alone}: "
        f"{type(err).__name__}: {err}. Fix or drop that record (selector filter writes rejected.jsonl), then "
        "run again: the batches already encoded stay in the cache"
    )


def died_error(left: Sequence[tuple[int, str]]) -> BatchError:
    """The error for encoder workers that died on every try of a batch: Ray cannot say which batch, so it names
    the ``(row, text)`` pairs that never came back, among which the batch is."""
    rows = [r for r, _ in left]
    span = f"rows {min(rows)}-{max(rows)}, first {left[0][1][:80]!r}" if rows else "no rows"
    return BatchError(
        f"Ray encoder workers died on each of {1 + RETRIES} tries of a batch among the {len(left)} texts that never "
        f"came back ({span}): a text or batch too large for a worker's memory, or a broken install on a node "
        "(the worker logs are in /tmp/ray/session_latest/logs). Run again with a smaller batch_size: the batches "
        "already encoded stay in the cache"
    )


def named_cause(err: BaseException) -> SelectorError | None:
    """The :class:`SelectorError` a worker raised, found in the chain of Ray's wrappers around it (``RayTaskError``
    and Ray Data's ``UserCodeException``), or ``None``. Ray Data keeps only the worker's traceback text, so an
    encoder's :class:`BatchError` is also recognised there by its first words (:data:`BATCH_FAILED`)."""
    text = str(err)
    if BATCH_FAILED in text:
        return BatchError(text[text.index(BATCH_FAILED) :].split("\n", 1)[0])
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, SelectorError) and type(e).__module__.startswith("selector"):
            return e
        todo.extend([getattr(e, "cause", None), e.__cause__, e.__context__])
    return None
