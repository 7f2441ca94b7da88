"""The ``selector`` command line: one module per command, registered here.

Everything a command does is available from the Python API; the commands only parse options, call the
library and print.
"""

from __future__ import annotations

import typer

from selector import __version__

app = typer.Typer(
    name="selector",
    help="Pick the few instruction-tuning samples worth training on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"selector {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Pick the few instruction-tuning samples worth training on."""


# Command registrations (one line per command module).
from selector.cli.configs import configs  # noqa: E402
from selector.cli.dedup import dedup  # noqa: E402
from selector.cli.embed import embed  # noqa: E402
from selector.cli.evaluate import evaluate  # noqa: E402
from selector.cli.filter import filter_command  # noqa: E402
from selector.cli.plan import plan  # noqa: E402
from selector.cli.select import select  # noqa: E402
from selector.cli.stats import stats  # noqa: E402

app.command("stats")(stats)
app.command("filter")(filter_command)
app.command("select")(select)
app.command("embed")(embed)
app.command("dedup")(dedup)
app.command("configs")(configs)
app.command("plan")(plan)
app.command("evaluate")(evaluate)


def main() -> None:
    """Console-script entry point."""
    app()
