"""``ringscope rules check`` (validate a rules file) and ``ringscope rules show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import load_settings

rules_app = typer.Typer(help="Scoring rules (docs/features.md).", no_args_is_help=True)


def _path(path: Path | None) -> Path:
    from ingest.scoring.rules import DEFAULT_RULES  # imported when used: it pulls in httpx

    return path or load_settings().rules_path or DEFAULT_RULES


@rules_app.command("check")
def check(
    path: Annotated[Path | None, typer.Argument(help="rules YAML (default: configured)")] = None,
) -> None:
    """Validate a rules file; errors name the rule and the field."""
    target = _path(path)
    from ingest.scoring.rules import load_rules

    rules = load_rules(target)  # ConfigurationError is reported by the CLI's main
    Console().print(f"{target}: {len(rules.rules)} rules OK")


@rules_app.command("show")
def show(
    path: Annotated[Path | None, typer.Argument(help="rules YAML (default: configured)")] = None,
) -> None:
    """List the rules in force: code, weight, parameters."""
    from ingest.scoring.rules import load_rules

    rules = load_rules(_path(path))
    table = Table("code", "weight", "parameters")
    for rule in rules.rules:
        table.add_row(rule.code, f"{rule.weight:g}", rule.params.model_dump_json())
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
