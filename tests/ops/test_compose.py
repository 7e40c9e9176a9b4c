"""compose.yaml as ``docker-compose config`` reads it (no Docker engine runs here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose not installed (scripts/test installs it)"
)
SERVICES = ("api", "worker", "scheduler")
SECRETS = {"RINGSCOPE_IDENTITY_SALT": "a-long-random-test-salt", "NEO4J_PASSWORD": "test-pw"}


def run_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    return subprocess.run(
        [COMPOSE, "-f", str(ROOT / "compose.yaml"), *args, "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **SECRETS, **env},
    )


def compose_config(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run_compose(*args, env=env or {})
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


def settings_variables() -> set[str]:
    """Every environment variable Settings reads: RINGSCOPE_<FIELD> and the aliases."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"RINGSCOPE_{name.upper()}")
        alias = field.validation_alias
        names.update(str(a) for a in getattr(alias, "choices", []))
    return names


def test_compose_file_is_valid_and_complete() -> None:
    services = compose_config()["services"]
    assert set(SERVICES) | {"falkordb"} <= set(services)
    assert services["neo4j"]["profiles"] == ["neo4j"]  # started only with --profile neo4j
    falkordb = services["falkordb"]
    image = falkordb["image"]
    assert ":" in image and not image.endswith(":latest"), image
    assert "healthcheck" in falkordb and falkordb["volumes"]
    for name in SERVICES:
        assert services[name]["depends_on"]["falkordb"]["condition"] == "service_healthy"
        assert "container_name" not in services[name]  # worker must scale
    assert "ports" in services["api"]


def test_neo4j_profile_adds_neo4j() -> None:
    services = compose_config("--profile", "neo4j")["services"]
    assert services["neo4j"]["image"].startswith("neo4j:5")
    assert "graph-data-science" in services["neo4j"]["environment"]["NEO4J_PLUGINS"]


def test_environment_matches_settings() -> None:
    known = settings_variables()
    services = compose_config(env={"RINGSCOPE_STORE": "bolt"})["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        unknown = sorted(set(env) - known)
        assert not unknown, f"{name}: {unknown} are no Settings variables"
        values = {k: v for k, v in env.items() if k in known}
        settings = Settings(_env_file=None, **_as_fields(values))  # type: ignore[call-arg]
        assert settings.store == "bolt" and settings.neo4j_uri == "bolt://neo4j:7687"
        assert settings.falkordb_url == "redis://falkordb:6379"


def _as_fields(env: dict[str, Any]) -> dict[str, Any]:
    """Environment names to Settings keyword arguments (aliases stay as they are)."""
    out = {}
    for key, value in env.items():
        field = key.removeprefix("RINGSCOPE_").lower()
        out[field if field in Settings.model_fields else key] = str(value)
    return out


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_secrets(missing: str) -> None:
    done = run_compose(env={missing: ""})
    assert done.returncode != 0 and missing in done.stderr
