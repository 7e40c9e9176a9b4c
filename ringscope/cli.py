"""The ``ringscope`` command line."""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console

from core.errors import RingscopeError
from ringscope.commands import detect, gnn, ingest, keys, scoring, simulate, up

app = typer.Typer(
    name="ringscope",
    help="Find and investigate fraud rings in a transaction graph on FalkorDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for module in (ingest, simulate, scoring, detect, gnn, keys, up):
    module.register(app)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )  # fmt: skip
    try:
        app()
    except RingscopeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
