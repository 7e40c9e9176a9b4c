"""Shared fixtures: one real FalkorDB server per session, a fresh graph per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore


@pytest.fixture(scope="session", autouse=True)
def private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory of the session's own, for this process and the ones tests spawn.

    Without it, a `.ringscope/` left in the working tree (say, by `scripts/demo`) would hand its
    trained models and detection state to the processes under test.
    """
    path = tmp_path_factory.mktemp("data-dir")
    before = os.environ.get("RINGSCOPE_DATA_DIR")
    os.environ["RINGSCOPE_DATA_DIR"] = str(path)
    yield path
    if before is None:
        del os.environ["RINGSCOPE_DATA_DIR"]
    else:
        os.environ["RINGSCOPE_DATA_DIR"] = before


@pytest.fixture(scope="session")
def falkordb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    with EmbeddedFalkorDB(data_dir=tmp_path_factory.mktemp("falkordb")) as server:
        yield server  # server.url == "redis://127.0.0.1:<free port>"


@pytest.fixture
def graph_name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_client(falkordb: EmbeddedFalkorDB) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(falkordb.url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def store(falkordb: EmbeddedFalkorDB, graph_name: str) -> Iterator[FalkorStore]:
    """A FalkorStore on its own graph; the graph and its keys are deleted afterwards."""
    s = FalkorStore(falkordb.url, graph_name)
    s.ensure_schema()
    yield s
    cleanup = redis.Redis.from_url(falkordb.url)
    keys = [graph_name, *cleanup.keys(f"ringscope:{graph_name}:*")]
    cleanup.delete(*keys)
    cleanup.close()
    s.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
