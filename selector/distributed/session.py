"""Ray for the length of one stage: join the cluster the user names, or start a local Ray and stop it afterwards.

Ray is imported only here, when a stage asks for it, so ``import selector`` never needs it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from selector.errors import SelectorError

log = logging.getLogger(__name__)

INSTALL = "pip install 'selector[ray]'"


def import_ray(feature: str = "--ray") -> Any:
    """The ``ray`` module, or a :class:`SelectorError` naming ``feature`` and the ``pip install`` that brings Ray."""
    try:
        import ray
    except ImportError:
        raise SelectorError(f"{feature} needs Ray, which is not installed: {INSTALL}") from None
    return ray


def ray_target(address: str | None = None) -> str:
    """Where :func:`ray_session` connects: ``address``, else ``$RAY_ADDRESS``, else ``local`` (a new Ray on this
    machine: never a cluster that merely happens to run here)."""
    return address or os.environ.get("RAY_ADDRESS") or "local"


@contextmanager
def ray_session(address: str | None = None, feature: str = "--ray") -> Iterator[Any]:
    """Yield the ``ray`` module with Ray initialised for the block.

    A Ray the caller already initialised is used as it is and left running. Otherwise ``ray.init`` joins
    :func:`ray_target` (``address``, ``$RAY_ADDRESS``, or a local Ray it starts), and the block's end shuts down
    what it started.
    """
    ray = import_ray(feature)
    if ray.is_initialized():
        yield ray
        return
    target = ray_target(address)
    log.info("Ray: %s", "starting a local Ray" if target == "local" else f"joining the cluster at {target}")
    ray.init(address=target, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
