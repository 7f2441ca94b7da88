"""``selector configs``: the configs shipped with the package, by name, with what each is for."""

from __future__ import annotations

from typing import Annotated

import typer

from selector.cli.console import echo, handles_errors
from selector.config.run import config_path, presets


@handles_errors
def configs(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Print this config's YAML (e.g. lima) instead of the list.")
    ] = None,
) -> None:
    """List the shipped configs (use one with --config NAME), or print one to start your own from."""
    if name is not None:
        echo(config_path(name).read_text(encoding="utf-8"), nl=False)
        return
    for preset, path in presets().items():
        first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")), "#")
        echo(f"{preset:<10} {first.lstrip('# ').strip()}")
    echo("use one with --config NAME; `selector configs NAME` prints it")
