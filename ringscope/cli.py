"""The ``ringscope`` command line."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from core.errors import RingscopeError
from ringscope.commands import backup, detect, gnn, ingest, keys, scoring, simulate, up
from ringscope.logging import setup_logging

app = typer.Typer(
    name="ringscope",
    help="Find and investigate fraud rings in a transaction graph on FalkorDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for module in (ingest, simulate, scoring, detect, gnn, keys, backup, up):
    module.register(app)


def main() -> None:
    setup_logging()
    try:
        app()
    except RingscopeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
