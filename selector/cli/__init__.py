"""The ``selector`` command line: one module per command, registered here.

Everything a command does is available from the Python API; the commands only parse options, call the
library and print.
"""

from __future__ import annotations

import typer

from selector import __version__
from selector.cli.console import echo

app = typer.Typer(
    name="selector",
    help="Pick the few instruction-tuning samples worth training on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich markup would eat the [onnx] of 'selector[onnx]'
    context_settings={"max_content_width": 120},  # up to 120 columns where the terminal has them
)


def _version(value: bool) -> None:
    if value:
        echo(f"selector {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Pick the few instruction-tuning samples worth training on."""


# Command registrations (one line per command module).
from selector.cli.common import INPUTS_HELP  # noqa: E402
from selector.cli.configs import configs  # noqa: E402
from selector.cli.dedup import dedup  # noqa: E402
from selector.cli.embed import embed  # noqa: E402
from selector.cli.evaluate import evaluate  # noqa: E402
from selector.cli.filter import filter_command  # noqa: E402
from selector.cli.plan import plan  # noqa: E402
from selector.cli.select import select  # noqa: E402
from selector.cli.stats import stats  # noqa: E402

app.command("stats", epilog=INPUTS_HELP)(stats)
app.command("filter", epilog=INPUTS_HELP)(filter_command)
app.command("select", epilog=INPUTS_HELP)(select)
app.command("embed", epilog=INPUTS_HELP)(embed)
app.command("dedup", epilog=INPUTS_HELP)(dedup)
app.command("configs")(configs)
app.command("plan")(plan)
app.command("evaluate", epilog=INPUTS_HELP)(evaluate)


def main() -> None:
    """Console-script entry point."""
    app()
