"""No public default secrets: a generated identity salt, signed webhooks, private data dirs."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.events import hash_identity
from core.settings import Settings, load_settings
from graph.embedded import EmbeddedFalkorDB
from ringscope.secrets import SALT_FILE, identity_salt


def settings_in(data_dir: Path, **extra: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **extra)  # type: ignore[call-arg]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_unset_salt_is_generated_private_and_reused(tmp_path: Path) -> None:
    first = identity_salt(settings_in(tmp_path / "a"))
    assert len(first) >= 32 and first == identity_salt(settings_in(tmp_path / "a"))
    assert mode(tmp_path / "a" / SALT_FILE) == 0o600 and mode(tmp_path / "a") == 0o700
    other = identity_salt(settings_in(tmp_path / "b"))
    assert other != first  # no salt anyone can look up
    phone = "+1 555 0100"
    assert hash_identity("phone", phone, first) != hash_identity("phone", phone, other)
    assert "ringscope-identity-v1" not in (first, other)


def test_a_configured_salt_wins_and_a_short_one_is_refused(tmp_path: Path) -> None:
    salt = "operator-chosen-salt-0123"
    assert identity_salt(settings_in(tmp_path, identity_salt=salt)) == salt
    assert not (tmp_path / SALT_FILE).exists()
    with pytest.raises(ConfigurationError, match="RINGSCOPE_IDENTITY_SALT"):
        load_settings(identity_salt="short")


def test_a_damaged_salt_file_stops_start_up(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / SALT_FILE).write_text("")
    with pytest.raises(ConfigurationError, match="identity salt"):
        identity_salt(settings_in(tmp_path))


def test_webhooks_without_a_secret_refuse_to_start() -> None:
    with pytest.raises(ConfigurationError, match="RINGSCOPE_WEBHOOK_SECRET"):
        load_settings(webhook_urls=["https://example.org/hook"], webhook_secret="")
    ok = load_settings(webhook_urls=["https://example.org/hook"], webhook_secret="s3cret-key")
    assert ok.webhook_urls == ["https://example.org/hook"]


def test_the_embedded_servers_data_dir_is_private(tmp_path: Path) -> None:
    data = tmp_path / "falkordb"
    with EmbeddedFalkorDB(data):
        assert mode(data) == 0o700


def test_threads_starting_together_read_one_salt(tmp_path: Path) -> None:
    # `up` builds the API and the worker in one process: same pid, so a temp name from the pid
    # was shared, one thread truncated or removed the other's file and start-up failed
    for attempt in range(20):
        settings = settings_in(tmp_path / str(attempt))
        gate = threading.Barrier(8)

        def start(settings: Settings = settings, gate: threading.Barrier = gate) -> str:
            gate.wait()
            return identity_salt(settings)

        with ThreadPoolExecutor(8) as pool:
            salts = {f.result() for f in [pool.submit(start) for _ in range(8)]}
        assert len(salts) == 1 and len(salts.pop()) >= 32
        assert [p.name for p in settings.data_dir.iterdir()] == [SALT_FILE]
