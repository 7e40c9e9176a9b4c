"""ringscope: investigator_ui, the browser UI served at ``/`` (talks to the API over GraphQL)."""

from __future__ import annotations

from investigator_ui.routes import routes

__all__ = ["routes"]
