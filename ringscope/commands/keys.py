"""`ringscope keys create|list|revoke`: API keys with roles (viewer, investigator, admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from core.settings import load_settings

if TYPE_CHECKING:  # the API package pulls in strawberry: imported when a command runs
    from api.keys import KeyStore


def _store() -> KeyStore:
    settings = load_settings()
    if not settings.falkordb_url:
        raise typer.BadParameter("keys live in Redis: set FALKORDB_URL to the server the API uses")
    from ringscope.bootstrap import key_store

    return key_store(settings.falkordb_url)


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="API keys with roles, stored hashed in Redis.")

    @keys.command("create")
    def create(
        role: str = typer.Option(..., help="viewer | investigator | admin"),
        name: str = typer.Option("", help="who or what the key is for"),
    ) -> None:
        """Create a key; it is shown once and only its hash is stored."""
        token, key = _store().create(role, name)
        typer.echo(f"{token}\n(id {key.key_id}, role {key.role}; shown once, keep it safe)")

    @keys.command("list")
    def list_keys() -> None:
        """Key ids, roles and names (never the keys themselves)."""
        for key in _store().list():
            typer.echo(f"{key.key_id}\t{key.role}\t{key.name}")

    @keys.command("revoke")
    def revoke(key_id: str) -> None:
        """Revoke a key by its id."""
        _store().revoke(key_id)
        typer.echo(f"revoked {key_id}")

    app.add_typer(keys, name="keys")
