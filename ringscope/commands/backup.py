"""``ringscope backup PATH`` and ``ringscope restore PATH``: graph, streams and model registry."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.settings import load_settings
from ringscope.bootstrap import bootstrap

logger = logging.getLogger(__name__)
console = Console(stderr=True)


def backup(
    path: Annotated[Path, typer.Argument(help="backup file to write (.tar, or .tar.gz)")],
) -> None:
    """Back up the graph, its streams and keys, the model registry and the detection state."""
    settings = load_settings()
    with bootstrap(settings) as runtime:
        from ringscope.backup import create_backup

        manifest = create_backup(settings, runtime.falkor(), path)
    counts = manifest["counts"]
    console.print(
        f"backup of graph {manifest['graph']!r} written to {path}: "
        f"{len(manifest['keys'])} keys, {counts.get('Transaction', 0):,.0f} transactions, "
        f"{len(manifest['files'])} files"
    )


def restore(
    path: Annotated[Path, typer.Argument(help="a file written by `ringscope backup`")],
    force: Annotated[bool, typer.Option(help="overwrite a graph that already holds nodes")] = False,
) -> None:
    """Restore a backup into the configured server and data directory (stop workers first)."""
    settings = load_settings()
    with bootstrap(settings) as runtime:
        from ringscope.backup import restore_backup

        manifest = restore_backup(settings, runtime.falkor(), path, force=force)
    console.print(
        f"restored graph {manifest['graph']!r} from {path} "
        f"(taken {manifest['created_at']}): counts verified"
    )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
