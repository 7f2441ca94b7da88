"""Ray for the length of one stage: join the cluster the user names, or start a local Ray and stop it afterwards.

A local Ray started here listens on the loopback interface only. Ray 2.60 on Linux otherwise advertises the
machine's routable address (it rewrites ``127.0.0.1`` to it) and binds its gRPC servers (GCS, raylet, object
manager, every worker) on all interfaces, so a one-machine run would accept connections from the network. Ray's
own switch for a loopback-only node is the environment variable ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (read when
``ray`` is imported); :func:`start_local_ray` applies it for the ``ray.init`` call even when ``ray`` was imported
earlier, and passes the node address ``127.0.0.1``. The dashboard is not started. Ray's token authentication,
on by default for a new cluster in 2.60, is left on (the token lives in ``~/.ray/auth_token``).

Joining a real cluster (``RAY_ADDRESS`` or ``address=``) changes none of this: every machine of the cluster then
runs ``ray start`` with its own ``--node-ip-address``, and the driver needs the cluster's token
(``RAY_AUTH_TOKEN``, or ``~/.ray/auth_token`` copied from the head) and the same Python packages
(``docs/scale.md``).

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
LOOPBACK = "127.0.0.1"
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Ray's switch (``0``) for a node that uses the loopback address instead of the machine's routable one."""


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
def _loopback_only() -> Iterator[None]:
    """For the block: Ray's loopback switch in the environment (the processes ``ray.init`` starts inherit it) and
    in Ray's constants (read at import, so set again for a ``ray`` imported before); both restored after."""
    from ray._private import ray_constants

    before_env = os.environ.get(LOOPBACK_ENV)
    before_flag = ray_constants.ENABLE_RAY_CLUSTER
    os.environ[LOOPBACK_ENV] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = before_flag
        if before_env is None:
            os.environ.pop(LOOPBACK_ENV, None)
        else:
            os.environ[LOOPBACK_ENV] = before_env


def start_local_ray(num_cpus: int | None = None, feature: str = "--ray") -> Any:
    """Start a new Ray on this machine, listening on ``127.0.0.1`` only, without the dashboard; returns ``ray``.

    ``num_cpus`` caps the CPUs Ray schedules on (``None``: all of this machine's). The caller stops it with
    ``ray.shutdown()``.
    """
    ray = import_ray(feature)
    with _loopback_only():
        ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            _node_ip_address=LOOPBACK,
        )
    return ray


@contextmanager
def ray_session(address: str | None = None, feature: str = "--ray") -> Iterator[Any]:
    """Yield the ``ray`` module with Ray initialised for the block.

    A Ray the caller already initialised is used as it is and left running. Otherwise ``ray.init`` joins
    :func:`ray_target` (``address`` or ``$RAY_ADDRESS``), or :func:`start_local_ray` starts a loopback-only Ray
    here; the block's end shuts down what it started.
    """
    ray = import_ray(feature)
    if ray.is_initialized():
        yield ray
        return
    target = ray_target(address)
    if target == "local":
        log.info("Ray: starting a local Ray on %s", LOOPBACK)
        start_local_ray(feature=feature)
    else:
        log.info("Ray: joining the cluster at %s", target)
        ray.init(address=target, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
